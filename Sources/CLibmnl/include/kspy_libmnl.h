// CLibmnl: the part of libmnl's API that libnftnl and kspy call, implemented in
// mnl.c. The declarations are libmnl's own header (Debian: libmnl-dev); this target
// only provides the definitions, so libnftnl can be linked from its archive into a
// kspy that needs no shared libmnl (Debian ships no libmnl.a).
#pragma once
#include <libmnl/libmnl.h>

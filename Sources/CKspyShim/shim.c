#include "kspy_shim.h"
int kspy_shim_placeholder(void) { return 0; }

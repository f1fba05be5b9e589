// libmnl's functions as libnftnl and kspy use them, written for kspy from the netlink
// message format (netlink(7), <linux/netlink.h>) and libmnl's documented API: messages
// and attributes are 4-byte aligned; an attribute is a struct nlattr (length including
// its header, type with NLA_F_NESTED / NLA_F_NET_BYTEORDER flags) followed by its
// payload. Linked instead of the shared libmnl so that libnftnl comes from its archive
// and a release kspy can be one static file.
#include "kspy_libmnl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

// Sets errno to `error` and returns -1, as libmnl's functions report failures.
static int fail(int error) {
    errno = error;
    return -1;
}

// ---------------------------------------------------------------------------
// Sockets.

struct mnl_socket {
    int fd;
    struct sockaddr_nl addr;  // after bind: the port ID the kernel assigned
};

struct mnl_socket *mnl_socket_open2(int bus, int flags) {
    struct mnl_socket *nl = calloc(1, sizeof *nl);
    if (!nl) return NULL;
    nl->fd = socket(AF_NETLINK, SOCK_RAW | flags, bus);
    if (nl->fd < 0) {
        int e = errno;
        free(nl);
        errno = e;
        return NULL;
    }
    return nl;
}

// Close-on-exec always: kspy never hands a netlink socket to a child.
struct mnl_socket *mnl_socket_open(int bus) { return mnl_socket_open2(bus, SOCK_CLOEXEC); }

int mnl_socket_bind(struct mnl_socket *nl, unsigned int groups, pid_t pid) {
    nl->addr.nl_family = AF_NETLINK;
    nl->addr.nl_groups = groups;
    nl->addr.nl_pid = (__u32)pid;
    if (bind(nl->fd, (struct sockaddr *)&nl->addr, sizeof nl->addr) < 0) return -1;
    socklen_t length = sizeof nl->addr;
    if (getsockname(nl->fd, (struct sockaddr *)&nl->addr, &length) < 0) return -1;
    if (length != sizeof nl->addr || nl->addr.nl_family != AF_NETLINK) return fail(EINVAL);
    return 0;
}

int mnl_socket_close(struct mnl_socket *nl) {
    int result = close(nl->fd);
    free(nl);
    return result;
}

int mnl_socket_get_fd(const struct mnl_socket *nl) { return nl->fd; }

unsigned int mnl_socket_get_portid(const struct mnl_socket *nl) { return nl->addr.nl_pid; }

ssize_t mnl_socket_sendto(const struct mnl_socket *nl, const void *req, size_t size) {
    static const struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    return sendto(nl->fd, req, size, 0, (const struct sockaddr *)&kernel, sizeof kernel);
}

// One datagram; a message longer than the buffer is an error (ENOSPC), not cut short.
ssize_t mnl_socket_recvfrom(const struct mnl_socket *nl, void *buf, size_t size) {
    struct sockaddr_nl from;
    struct iovec iov = {.iov_base = buf, .iov_len = size};
    struct msghdr msg = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1};
    ssize_t n = recvmsg(nl->fd, &msg, 0);
    if (n < 0) return n;
    if (msg.msg_flags & MSG_TRUNC) return fail(ENOSPC);
    if (msg.msg_namelen != sizeof from) return fail(EINVAL);
    return n;
}

// ---------------------------------------------------------------------------
// Messages.

struct nlmsghdr *mnl_nlmsg_put_header(void *buf) {
    memset(buf, 0, MNL_NLMSG_HDRLEN);
    struct nlmsghdr *nlh = buf;
    nlh->nlmsg_len = MNL_NLMSG_HDRLEN;
    return nlh;
}

void *mnl_nlmsg_put_extra_header(struct nlmsghdr *nlh, size_t size) {
    char *extra = (char *)nlh + nlh->nlmsg_len;
    size_t length = MNL_ALIGN(size);
    nlh->nlmsg_len += (__u32)length;
    memset(extra, 0, length);
    return extra;
}

void *mnl_nlmsg_get_payload(const struct nlmsghdr *nlh) { return (char *)nlh + MNL_NLMSG_HDRLEN; }

void *mnl_nlmsg_get_payload_offset(const struct nlmsghdr *nlh, size_t offset) {
    return (char *)nlh + MNL_NLMSG_HDRLEN + MNL_ALIGN(offset);
}

void *mnl_nlmsg_get_payload_tail(const struct nlmsghdr *nlh) { return (char *)nlh + MNL_ALIGN(nlh->nlmsg_len); }

bool mnl_nlmsg_ok(const struct nlmsghdr *nlh, int len) {
    return len >= (int)sizeof(struct nlmsghdr) && nlh->nlmsg_len >= sizeof(struct nlmsghdr) &&
           (int)nlh->nlmsg_len <= len;
}

struct nlmsghdr *mnl_nlmsg_next(const struct nlmsghdr *nlh, int *len) {
    *len -= (int)MNL_ALIGN(nlh->nlmsg_len);
    return (struct nlmsghdr *)((char *)nlh + MNL_ALIGN(nlh->nlmsg_len));
}

// A batch: messages written one after another into a caller's buffer of `limit` bytes.
struct mnl_nlmsg_batch {
    char *buf;
    size_t limit;
    size_t used;  // bytes of complete messages
    char *current;  // where the next message is being written
    bool overflow;
};

struct mnl_nlmsg_batch *mnl_nlmsg_batch_start(void *buf, size_t limit) {
    struct mnl_nlmsg_batch *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->buf = buf;
    b->limit = limit;
    b->current = buf;
    return b;
}

// Accepts the message at `current` when it fits, and moves past it.
bool mnl_nlmsg_batch_next(struct mnl_nlmsg_batch *b) {
    const struct nlmsghdr *nlh = (const struct nlmsghdr *)b->current;
    if (b->used + nlh->nlmsg_len > b->limit) {
        b->overflow = true;
        return false;
    }
    b->used += nlh->nlmsg_len;
    b->current = b->buf + b->used;
    return true;
}

void mnl_nlmsg_batch_stop(struct mnl_nlmsg_batch *b) { free(b); }
size_t mnl_nlmsg_batch_size(struct mnl_nlmsg_batch *b) { return b->used; }
void *mnl_nlmsg_batch_head(struct mnl_nlmsg_batch *b) { return b->buf; }
void *mnl_nlmsg_batch_current(struct mnl_nlmsg_batch *b) { return b->current; }
bool mnl_nlmsg_batch_is_empty(struct mnl_nlmsg_batch *b) { return b->used == 0; }

// Starts a new batch; a message that did not fit moves to the front.
void mnl_nlmsg_batch_reset(struct mnl_nlmsg_batch *b) {
    if (b->overflow) {
        const struct nlmsghdr *pending = (const struct nlmsghdr *)b->current;
        memmove(b->buf, pending, pending->nlmsg_len);
        b->used = 0;
        b->current = b->buf;
        b->overflow = false;
    } else {
        b->used = 0;
        b->current = b->buf;
    }
}

// ---------------------------------------------------------------------------
// Attributes.

uint16_t mnl_attr_get_type(const struct nlattr *attr) { return attr->nla_type & NLA_TYPE_MASK; }
uint16_t mnl_attr_get_len(const struct nlattr *attr) { return attr->nla_len; }
uint16_t mnl_attr_get_payload_len(const struct nlattr *attr) { return (uint16_t)(attr->nla_len - MNL_ATTR_HDRLEN); }
void *mnl_attr_get_payload(const struct nlattr *attr) { return (char *)attr + MNL_ATTR_HDRLEN; }

// The fixed-size getters read unaligned-safe copies (a u64 payload is only 4-byte aligned).
uint8_t mnl_attr_get_u8(const struct nlattr *attr) { return *(const uint8_t *)mnl_attr_get_payload(attr); }
uint16_t mnl_attr_get_u16(const struct nlattr *attr) {
    uint16_t v;
    memcpy(&v, mnl_attr_get_payload(attr), sizeof v);
    return v;
}
uint32_t mnl_attr_get_u32(const struct nlattr *attr) {
    uint32_t v;
    memcpy(&v, mnl_attr_get_payload(attr), sizeof v);
    return v;
}
uint64_t mnl_attr_get_u64(const struct nlattr *attr) {
    uint64_t v;
    memcpy(&v, mnl_attr_get_payload(attr), sizeof v);
    return v;
}
const char *mnl_attr_get_str(const struct nlattr *attr) { return mnl_attr_get_payload(attr); }

bool mnl_attr_ok(const struct nlattr *attr, int len) {
    return len >= (int)sizeof(struct nlattr) && attr->nla_len >= sizeof(struct nlattr) && (int)attr->nla_len <= len;
}

struct nlattr *mnl_attr_next(const struct nlattr *attr) {
    return (struct nlattr *)((char *)attr + MNL_ALIGN(attr->nla_len));
}

int mnl_attr_type_valid(const struct nlattr *attr, uint16_t maxtype) {
    if (mnl_attr_get_type(attr) > maxtype) return fail(EOPNOTSUPP);
    return 1;
}

// The payload length `type` requires (0: any).
static size_t expected_length(enum mnl_attr_data_type type) {
    switch (type) {
    case MNL_TYPE_U8: return 1;
    case MNL_TYPE_U16: return 2;
    case MNL_TYPE_U32: return 4;
    case MNL_TYPE_U64:
    case MNL_TYPE_MSECS: return 8;
    default: return 0;
    }
}

// -1 with errno ERANGE (wrong length) or EINVAL (bad content, e.g. a string without
// its NUL) when the payload is not a valid `type`; 0 when it is.
static int validate(const struct nlattr *attr, enum mnl_attr_data_type type, size_t expected) {
    size_t length = mnl_attr_get_payload_len(attr);
    const char *payload = mnl_attr_get_payload(attr);
    if (type >= MNL_TYPE_MAX) return fail(EINVAL);
    if (length < expected) return fail(ERANGE);
    switch (type) {
    case MNL_TYPE_FLAG:
        if (length > 0) return fail(ERANGE);
        break;
    case MNL_TYPE_NUL_STRING:
        if (length == 0) return fail(ERANGE);
        if (payload[length - 1] != '\0') return fail(EINVAL);
        break;
    case MNL_TYPE_STRING:
        if (length == 0) return fail(ERANGE);
        break;
    case MNL_TYPE_NESTED:
        if (length > 0 && length < MNL_ATTR_HDRLEN) return fail(ERANGE);
        break;
    default:
        break;
    }
    if (expected && length > expected) return fail(ERANGE);
    return 0;
}

int mnl_attr_validate(const struct nlattr *attr, enum mnl_attr_data_type type) {
    return validate(attr, type, expected_length(type));
}

int mnl_attr_validate2(const struct nlattr *attr, enum mnl_attr_data_type type, size_t len) {
    return validate(attr, type, len);
}

// Calls `cb` for each whole attribute in `payload`; stops at the first result <= MNL_CB_STOP.
int mnl_attr_parse_payload(const void *payload, size_t payload_len, mnl_attr_cb_t cb, void *data) {
    int remaining = (int)payload_len;
    for (const struct nlattr *attr = payload; mnl_attr_ok(attr, remaining); attr = mnl_attr_next(attr)) {
        int result = cb(attr, data);
        if (result <= MNL_CB_STOP) return result;
        remaining -= (int)MNL_ALIGN(attr->nla_len);
    }
    return MNL_CB_OK;
}

int mnl_attr_parse(const struct nlmsghdr *nlh, unsigned int offset, mnl_attr_cb_t cb, void *data) {
    const char *start = mnl_nlmsg_get_payload_offset(nlh, offset);
    const char *end = (const char *)nlh + nlh->nlmsg_len;
    if (start > end) return MNL_CB_OK;
    return mnl_attr_parse_payload(start, (size_t)(end - start), cb, data);
}

int mnl_attr_parse_nested(const struct nlattr *nested, mnl_attr_cb_t cb, void *data) {
    return mnl_attr_parse_payload(mnl_attr_get_payload(nested), mnl_attr_get_payload_len(nested), cb, data);
}

void mnl_attr_put(struct nlmsghdr *nlh, uint16_t type, size_t len, const void *data) {
    struct nlattr *attr = mnl_nlmsg_get_payload_tail(nlh);
    size_t total = MNL_ATTR_HDRLEN + len;
    attr->nla_type = type;
    attr->nla_len = (uint16_t)total;
    char *payload = (char *)attr + MNL_ATTR_HDRLEN;
    if (len) memcpy(payload, data, len);
    size_t padding = MNL_ALIGN(len) - len;
    if (padding) memset(payload + len, 0, padding);
    nlh->nlmsg_len += (__u32)MNL_ALIGN(total);
}

void mnl_attr_put_u8(struct nlmsghdr *nlh, uint16_t type, uint8_t data) { mnl_attr_put(nlh, type, sizeof data, &data); }
void mnl_attr_put_u16(struct nlmsghdr *nlh, uint16_t type, uint16_t data) { mnl_attr_put(nlh, type, sizeof data, &data); }
void mnl_attr_put_u32(struct nlmsghdr *nlh, uint16_t type, uint32_t data) { mnl_attr_put(nlh, type, sizeof data, &data); }
void mnl_attr_put_u64(struct nlmsghdr *nlh, uint16_t type, uint64_t data) { mnl_attr_put(nlh, type, sizeof data, &data); }

// Without the terminating NUL.
void mnl_attr_put_str(struct nlmsghdr *nlh, uint16_t type, const char *data) {
    mnl_attr_put(nlh, type, strlen(data), data);
}

// With the terminating NUL.
void mnl_attr_put_strz(struct nlmsghdr *nlh, uint16_t type, const char *data) {
    mnl_attr_put(nlh, type, strlen(data) + 1, data);
}

struct nlattr *mnl_attr_nest_start(struct nlmsghdr *nlh, uint16_t type) {
    struct nlattr *start = mnl_nlmsg_get_payload_tail(nlh);
    start->nla_type = NLA_F_NESTED | type;
    nlh->nlmsg_len += MNL_ATTR_HDRLEN;
    return start;
}

void mnl_attr_nest_end(struct nlmsghdr *nlh, struct nlattr *start) {
    start->nla_len = (uint16_t)((char *)mnl_nlmsg_get_payload_tail(nlh) - (char *)start);
}

void mnl_attr_nest_cancel(struct nlmsghdr *nlh, struct nlattr *start) {
    nlh->nlmsg_len -= (__u32)((char *)mnl_nlmsg_get_payload_tail(nlh) - (char *)start);
}

// ---------------------------------------------------------------------------
// Running callbacks over a received buffer.

// Each message of `buf` in turn: data messages (type >= NLMSG_MIN_TYPE) go to `cb`;
// NLMSG_DONE stops; NLMSG_ERROR stops (error 0, an acknowledgement) or fails with
// errno = the error; a message of another port or sequence fails (ESRCH, EPROTO), as
// does an interrupted dump (EINTR). Returns MNL_CB_OK when more messages are expected.
int mnl_cb_run(const void *buf, size_t numbytes, unsigned int seq, unsigned int portid, mnl_cb_t cb, void *data) {
    int remaining = (int)numbytes;
    int result = MNL_CB_OK;
    for (const struct nlmsghdr *nlh = buf; mnl_nlmsg_ok(nlh, remaining); nlh = mnl_nlmsg_next(nlh, &remaining)) {
        if (nlh->nlmsg_pid && portid && nlh->nlmsg_pid != portid) {
            errno = ESRCH;
            return MNL_CB_ERROR;
        }
        if (nlh->nlmsg_seq && seq && nlh->nlmsg_seq != seq) {
            errno = EPROTO;
            return MNL_CB_ERROR;
        }
        if (nlh->nlmsg_flags & NLM_F_DUMP_INTR) {
            errno = EINTR;
            return MNL_CB_ERROR;
        }
        if (nlh->nlmsg_type >= NLMSG_MIN_TYPE) {
            if (cb) {
                result = cb(nlh, data);
                if (result <= MNL_CB_STOP) return result;
            }
            continue;
        }
        switch (nlh->nlmsg_type) {
        case NLMSG_DONE: return MNL_CB_STOP;
        case NLMSG_ERROR: {
            if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(struct nlmsgerr)) {
                errno = EBADMSG;
                return MNL_CB_ERROR;
            }
            const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
            if (err->error == 0) return MNL_CB_STOP;
            errno = err->error < 0 ? -err->error : err->error;
            return MNL_CB_ERROR;
        }
        default: break;  // NLMSG_NOOP, NLMSG_OVERRUN
        }
    }
    return result;
}

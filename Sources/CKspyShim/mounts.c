// listmount(2) and statmount(2) (Linux 6.8): the mount table as records, without
// formatting and parsing /proc/self/mountinfo. The kernel checks the request's `size`
// and fills only what it knows.

#include "kspy_shim.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define KSPY_NR_STATMOUNT 457
#define KSPY_NR_LISTMOUNT 458
#define KSPY_LSMT_ROOT 0xffffffffffffffffULL  // list the whole namespace
#define KSPY_MNT_ID_REQ_SIZE_VER0 24

struct kspy_mnt_id_req {
    uint32_t size;
    uint32_t spare;
    uint64_t mnt_id;
    uint64_t param;
};

long kspy_listmount(uint64_t after, uint64_t *ids, size_t capacity) {
    struct kspy_mnt_id_req request = {.size = KSPY_MNT_ID_REQ_SIZE_VER0, .mnt_id = KSPY_LSMT_ROOT, .param = after};
    return syscall(KSPY_NR_LISTMOUNT, &request, ids, capacity, 0);
}

int kspy_statmount(uint64_t id, uint64_t request, struct kspy_statmount *result, size_t size) {
    if (size < sizeof *result) { errno = EINVAL; return -1; }
    struct kspy_mnt_id_req req = {.size = KSPY_MNT_ID_REQ_SIZE_VER0, .mnt_id = id, .param = request};
    return (int)syscall(KSPY_NR_STATMOUNT, &req, result, size, 0);
}

const char *kspy_statmount_string(const struct kspy_statmount *result, size_t size, uint64_t flag, uint32_t offset) {
    if (!(result->mask & flag)) return NULL;
    size_t filled = result->size < size ? result->size : size;
    size_t start = offsetof(struct kspy_statmount, str) + offset;
    if (start >= filled || memchr((const char *)result + start, 0, filled - start) == NULL) return NULL;
    return result->str + offset;
}

// listmount(2) and statmount(2) (Linux 6.8): the mount table as records, without
// formatting and parsing /proc/self/mountinfo. glibc 2.36 wraps neither and its kernel
// headers predate them, so the request and result layouts (include/uapi/linux/mount.h)
// are declared here; the kernel checks `size` and fills only what it knows.

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

struct kspy_statmount_raw {
    uint32_t size;
    uint32_t mnt_opts;  // string offsets are into str[]
    uint64_t mask;
    uint32_t sb_dev_major;
    uint32_t sb_dev_minor;
    uint64_t sb_magic;
    uint32_t sb_flags;
    uint32_t fs_type;
    uint64_t mnt_id;
    uint64_t mnt_parent_id;
    uint32_t mnt_id_old;
    uint32_t mnt_parent_id_old;
    uint64_t mnt_attr;
    uint64_t mnt_propagation;
    uint64_t mnt_peer_group;
    uint64_t mnt_master;
    uint64_t propagate_from;
    uint32_t mnt_root;
    uint32_t mnt_point;
    uint64_t mnt_ns_id;
    uint32_t fs_subtype;
    uint32_t sb_source;
    uint32_t opt_num;
    uint32_t opt_array;
    uint32_t opt_sec_num;
    uint32_t opt_sec_array;
    uint64_t supported_mask;
    uint32_t mnt_uidmap_num;
    uint32_t mnt_uidmap;
    uint32_t mnt_gidmap_num;
    uint32_t mnt_gidmap;
    uint64_t spare2[43];
    char str[];
};

long kspy_listmount(uint64_t after, uint64_t *ids, size_t capacity) {
    struct kspy_mnt_id_req request = {.size = KSPY_MNT_ID_REQ_SIZE_VER0, .mnt_id = KSPY_LSMT_ROOT, .param = after};
    return syscall(KSPY_NR_LISTMOUNT, &request, ids, capacity, 0);
}

static const char *string_at(const struct kspy_statmount_raw *raw, size_t size, uint64_t flag, uint32_t offset) {
    if (!(raw->mask & flag)) return NULL;
    size_t start = offsetof(struct kspy_statmount_raw, str) + offset;
    if (start >= size || memchr((const char *)raw + start, 0, size - start) == NULL) return NULL;
    return raw->str + offset;
}

int kspy_statmount(uint64_t id, uint64_t request, void *buffer, size_t size, struct kspy_statmount *out) {
    if (size < sizeof(struct kspy_statmount_raw)) { errno = EINVAL; return -1; }
    struct kspy_mnt_id_req req = {.size = KSPY_MNT_ID_REQ_SIZE_VER0, .mnt_id = id, .param = request};
    if (syscall(KSPY_NR_STATMOUNT, &req, buffer, size, 0) != 0) return -1;
    const struct kspy_statmount_raw *raw = buffer;
    size_t filled = raw->size < size ? raw->size : size;
    memset(out, 0, sizeof *out);
    out->mask = raw->mask;
    out->sb_magic = raw->sb_magic;
    out->sb_flags = raw->sb_flags;
    out->sb_dev_major = raw->sb_dev_major;
    out->sb_dev_minor = raw->sb_dev_minor;
    out->mnt_id_old = raw->mnt_id_old;
    out->mnt_parent_id_old = raw->mnt_parent_id_old;
    out->mnt_attr = raw->mnt_attr;
    out->mnt_propagation = raw->mnt_propagation;
    out->mnt_peer_group = raw->mnt_peer_group;
    out->mnt_master = raw->mnt_master;
    out->propagate_from = raw->propagate_from;
    out->supported_mask = raw->supported_mask;
    out->fs_type = string_at(raw, filled, KSPY_STATMOUNT_FS_TYPE, raw->fs_type);
    out->mnt_root = string_at(raw, filled, KSPY_STATMOUNT_MNT_ROOT, raw->mnt_root);
    out->mnt_point = string_at(raw, filled, KSPY_STATMOUNT_MNT_POINT, raw->mnt_point);
    out->mnt_opts = string_at(raw, filled, KSPY_STATMOUNT_MNT_OPTS, raw->mnt_opts);
    out->sb_source = string_at(raw, filled, KSPY_STATMOUNT_SB_SOURCE, raw->sb_source);
    return 0;
}

// kspy C shim: what Swift cannot do safely.
//
// 1. Thin wrappers for syscalls glibc does not wrap (pidfd_open, pidfd_send_signal,
//    pivot_root, close_range on older glibc, clone3).
// 2. kspy_spawn(): everything between fork and exec. A forked child of a multithreaded
//    process may only call async-signal-safe functions (signal-safety(7)); the Swift
//    runtime, its allocator and Foundation may deadlock there. So the child runs only
//    the C code in spawn.c, driven by a plain struct the Swift side fills in beforehand.
#pragma once

#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

// ---------------------------------------------------------------------------
// Syscall wrappers. Each returns what the syscall returns (-1 and errno on error).

/// pidfd_open(2): a file descriptor referring to process `pid`.
int kspy_pidfd_open(pid_t pid, unsigned int flags);

// listmount(2)/statmount(2) (Linux 6.8; mounts.c). glibc 2.36 wraps neither and its
// kernel headers predate them, so the result layout of include/uapi/linux/mount.h is
// declared here; string fields are offsets into `str` (kspy_statmount_string).
#define KSPY_STATMOUNT_SB_BASIC 0x00000001U
#define KSPY_STATMOUNT_MNT_BASIC 0x00000002U
#define KSPY_STATMOUNT_PROPAGATE_FROM 0x00000004U
#define KSPY_STATMOUNT_MNT_ROOT 0x00000008U
#define KSPY_STATMOUNT_MNT_POINT 0x00000010U
#define KSPY_STATMOUNT_FS_TYPE 0x00000020U
#define KSPY_STATMOUNT_MNT_OPTS 0x00000080U
#define KSPY_STATMOUNT_SB_SOURCE 0x00000200U
#define KSPY_STATMOUNT_SUPPORTED_MASK 0x00001000U
struct kspy_statmount {
    uint32_t size;  // of the whole result, strings included
    uint32_t mnt_opts;
    uint64_t mask;  // the KSPY_STATMOUNT_* bits filled in
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
    uint64_t supported_mask;  // the request bits this kernel knows (KSPY_STATMOUNT_SUPPORTED_MASK)
    uint32_t mnt_uidmap_num;
    uint32_t mnt_uidmap;
    uint32_t mnt_gidmap_num;
    uint32_t mnt_gidmap;
    uint64_t spare2[43];
    char str[];
};
/// listmount(2) of the caller's mount namespace: up to `capacity` unique mount IDs
/// after `after` (0: from the first), ascending. Returns the count.
long kspy_listmount(uint64_t after, uint64_t *ids, size_t capacity);
/// statmount(2) of unique mount ID `id`, asking for the `KSPY_STATMOUNT_*` bits in
/// `request`, into `result`, a buffer of `size` bytes (at least its fixed part).
int kspy_statmount(uint64_t id, uint64_t request, struct kspy_statmount *result, size_t size);
/// The string field at `offset` of a statmount result in a buffer of `size` bytes; NULL
/// when `flag` is not in its mask or the string does not end inside the buffer.
const char *kspy_statmount_string(const struct kspy_statmount *result, size_t size, uint64_t flag, uint32_t offset);
/// pidfd_send_signal(2): signal the process behind `pidfd` (never a recycled PID).
int kspy_pidfd_send_signal(int pidfd, int sig);
/// waitid(P_PIDFD, …): reap the child behind `pidfd`. On success stores the exit code
/// (or the terminating signal) in *status and whether it was a signal in *signaled.
/// `options` as waitid(2), WEXITED is added.
int kspy_pidfd_wait(int pidfd, int options, int *status, int *signaled, pid_t *pid);
/// pivot_root(2).
int kspy_pivot_root(const char *new_root, const char *put_old);
/// setns(2) on a namespace fd or a pidfd (nstype: CLONE_NEW* flags, 0 for any).
int kspy_setns(int fd, int nstype);
/// Marks every descriptor >= `from` close-on-exec (close_range(2) with
/// CLOSE_RANGE_CLOEXEC), falling back to a loop over /proc/self/fd-less fcntl.
int kspy_cloexec_from(int from);
/// The errno value of the calling thread (Swift cannot read glibc's macro).
int kspy_errno(void);
/// pipe2(fds, O_CLOEXEC) (glibc declares pipe2 only with _GNU_SOURCE).
int kspy_pipe_cloexec(int fds[2]);
/// eventfd(2) with counter 0, EFD_CLOEXEC | EFD_NONBLOCK (Swift's Glibc module does
/// not import <sys/eventfd.h>).
int kspy_eventfd(void);
/// Blocks SIGTERM, SIGINT and SIGHUP for the calling thread (and threads it creates
/// later) and returns a non-blocking signalfd(2) that reads them. Call it first thing
/// in a process's main thread, before other threads exist.
int kspy_stop_signalfd(void);
/// Blocks SIGTERM, SIGINT, SIGHUP, SIGQUIT and SIGWINCH for the calling thread (and
/// threads it creates later) and returns a non-blocking signalfd(2) reading them: the
/// signals `kspy exec` forwards to its command. Call before other threads exist.
int kspy_forward_signalfd(void);
/// Reads one signal from a signalfd; returns its number (or -1) and stores its
/// si_code in *code (SI_USER/SI_QUEUE/SI_TKILL: sent by a process; SI_KERNEL: e.g.
/// generated by the terminal for its foreground process group).
int kspy_signalfd_read_code(int fd, int *code);
/// Reads one signal from a signalfd; returns its number or -1.
int kspy_signalfd_read(int fd);
/// malloc_trim(0): returns freed heap memory to the kernel (Swift's Glibc module does
/// not import <malloc.h>; a static executable has no dlsym to find it).
int kspy_malloc_trim(void);

// ---------------------------------------------------------------------------
// Spawning a process into namespaces, cgroups and a new root.

/// One mount made inside the child's new mount namespace before pivot_root.
/// `target` is an absolute path inside the container; it is created under the
/// rootfs (as a directory, or as an empty file when `target_is_file`).
struct kspy_mount {
    const char *source;     ///< Host path (bind) or fs source name ("tmpfs", "proc").
    const char *target;     ///< Absolute path inside the container.
    const char *fstype;     ///< NULL for a bind mount.
    unsigned long flags;    ///< MS_* flags; MS_BIND for bind mounts.
    const char *data;       ///< fs-specific options, may be NULL.
    int readonly;           ///< Remount read-only after mounting (bind mounts need this).
    int target_is_file;     ///< Create the target as a file, not a directory.
};

/// What the child does once set up.
enum kspy_spawn_mode {
    KSPY_SPAWN_EXEC = 0,    ///< execve() the command.
    KSPY_SPAWN_PAUSE = 1,   ///< Become a pause process: hold namespaces, reap zombies,
                            ///< exit 0 on SIGTERM/SIGINT. No exec: nothing to load.
};

/// Everything the child does between clone and exec, in this order:
///  1. wait for one byte on `sync_fd` (the parent places the child into its cgroups
///     first, so its very first allocation is accounted there), or enter the cgroups of
///     `cgroup_dir_fd` and `cgroup_task_fds` itself;
///  2. reset the signal mask and dispositions; setsid() if asked; oom_score_adj; stdio;
///  3. join namespaces of `join_pidfd` (setns on a pidfd, kernel >= 5.8);
///  4. with a new mount namespace: make "/" recursively slave, mount the rootfs
///     (overlay with `overlay_options`, or a bind of `rootfs_source`), the mounts,
///     /proc and a minimal /dev, pivot_root into it, remount "/" read-only if asked;
///  5. set the hostname (own UTS namespace only), bring up "lo" if asked;
///  6. set oom_score_adj, the process name, groups, gid, uid, working directory;
///  7. redirect stdio, mark all other descriptors close-on-exec;
///  8. exec the command (PATH search in the new root) or run the pause loop.
/// Any failure writes a `struct kspy_spawn_error` to `error_fd` and exits 127.
struct kspy_spawn_config {
    // --- namespaces
    int clone_flags;            ///< CLONE_NEW* flags for namespaces to create.
    int join_pidfd;             ///< pidfd whose namespaces to join, or -1.
    int join_flags;             ///< CLONE_NEW* kinds to join from join_pidfd (not PID).
    int join_pid_namespace;     ///< Also start in join_pidfd's PID namespace (the
                                ///< calling thread's pid_for_children is switched
                                ///< around the clone and restored).
    // --- filesystem
    const char *rootfs;         ///< Host directory to mount the root on, or NULL to
                                ///< keep the caller's root.
    const char *overlay_options;///< "lowerdir=…,upperdir=…,workdir=…" for an overlay root.
    int readonly_rootfs;        ///< Remount the new root read-only.
    int mount_proc;             ///< Mount a fresh /proc (needs its own or joined pid ns).
    int mount_dev;              ///< Mount a tmpfs /dev with null, zero, full, random,
                                ///< urandom, tty bound from the host, /dev/shm, /dev/pts.
    const struct kspy_mount *mounts;
    int mount_count;
    // --- identity
    const char *hostname;       ///< sethostname() when non-NULL.
    int loopback_up;            ///< Bring "lo" up (in a new network namespace).
    const char *process_name;   ///< prctl(PR_SET_NAME) when non-NULL (e.g. "pause").
    int oom_score_adj;          ///< Written to /proc/self/oom_score_adj when set_oom_score_adj
                                ///< (best effort: lowering it needs CAP_SYS_RESOURCE).
    int set_oom_score_adj;
    int set_ids;                ///< Apply uid/gid (and drop supplementary groups).
    uid_t uid;
    gid_t gid;
    const char *cwd;            ///< Working directory inside the new root, or NULL.
    // --- process
    int mode;                   ///< enum kspy_spawn_mode.
    const char *path;           ///< Program; searched in PATH from envp when it has no '/'.
    char *const *argv;          ///< NULL-terminated.
    char *const *envp;          ///< NULL-terminated.
    int stdin_fd, stdout_fd, stderr_fd; ///< Descriptors to become 0/1/2 (-1: /dev/null).
    int new_session;            ///< setsid() in the child (containers, pause).
    int sync_fd;                ///< Read end: child waits for one byte, or -1.
    int error_fd;               ///< Write end (O_CLOEXEC): failures are reported here.
    // --- joining cgroups from the child, and a vfork-style start
    int cgroup_dir_fd;          ///< A cgroup v2 directory (O_RDONLY|O_DIRECTORY) the child
                                ///< starts in (clone3 CLONE_INTO_CGROUP), or -1. Where the
                                ///< clone cannot do that, the child writes "0" to its
                                ///< cgroup.procs first.
    int cgroup_dir_by_write;    ///< Always enter cgroup_dir_fd by the write (tests).
    const int *cgroup_task_fds; ///< cgroup v1 `tasks` files opened for writing (O_CLOEXEC);
                                ///< the child, its process's only thread, writes "0"
                                ///< (itself) to each first.
    int cgroup_task_fd_count;
    int share_memory;           ///< Start the child with CLONE_VM|CLONE_VFORK on a
                                ///< stack of its own: no copy of the caller's memory,
                                ///< and the call returns once the child has exec'd or
                                ///< failed. Needs sync_fd == -1 (nothing can run in the
                                ///< parent meanwhile) and clone_flags == 0.
};

/// The step that failed in the child, reported through `error_fd`.
enum kspy_spawn_step {
    KSPY_STEP_SYNC = 1, KSPY_STEP_SETNS, KSPY_STEP_MOUNT_PRIVATE, KSPY_STEP_ROOTFS,
    KSPY_STEP_MOUNT, KSPY_STEP_PROC, KSPY_STEP_DEV, KSPY_STEP_PIVOT_ROOT,
    KSPY_STEP_READONLY_ROOT, KSPY_STEP_HOSTNAME, KSPY_STEP_LOOPBACK, KSPY_STEP_OOM_SCORE,
    KSPY_STEP_IDS, KSPY_STEP_CWD, KSPY_STEP_STDIO, KSPY_STEP_EXEC, KSPY_STEP_SIGNALS,
    KSPY_STEP_CGROUP,
};

/// What the child writes to error_fd before exiting 127.
struct kspy_spawn_error {
    int32_t step;       ///< enum kspy_spawn_step.
    int32_t err;        ///< errno.
    int32_t index;      ///< For KSPY_STEP_MOUNT: which mount.
};

/// Creates the child with clone3 (new namespaces, a pidfd) and runs the steps above in
/// it. Returns the child's PID in the caller's PID namespace, or -1 with errno set.
/// `*pidfd_out` receives a pidfd for the child (close it when done).
pid_t kspy_spawn(const struct kspy_spawn_config *config, int *pidfd_out);

#ifdef __cplusplus
}
#endif

// kspy_spawn: the code that runs between clone and exec.
//
// Everything in child_main() and below runs in a freshly cloned child of a possibly
// multithreaded Swift process. Only async-signal-safe calls are allowed there
// (signal-safety(7)): raw syscalls, no malloc, no stdio, no locks. Paths are built in
// stack buffers.
#define _GNU_SOURCE
#include "kspy_shim.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>

#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

#define KSPY_PATH_MAX 4096

/// struct clone_args of clone(2), version 2 layout (88 bytes, with `cgroup`; kernels
/// before 5.7 take it as long as the fields they do not know are zero).
struct kspy_clone_args {
    uint64_t flags;
    uint64_t pidfd;
    uint64_t child_tid;
    uint64_t parent_tid;
    uint64_t exit_signal;
    uint64_t stack;
    uint64_t stack_size;
    uint64_t tls;
    uint64_t set_tid;
    uint64_t set_tid_size;
    uint64_t cgroup;
};

/// How the child was started: what child_main needs beyond the config.
struct child_start {
    const struct kspy_spawn_config *config;
    int in_cgroup_dir;  ///< clone3 started it in config->cgroup_dir_fd already.
};

// ---------------------------------------------------------------------------
// Helpers usable in the child (async-signal-safe).

__attribute__((noreturn)) static void child_fail(const struct kspy_spawn_config *c, int step, int index) {
    struct kspy_spawn_error e = {step, errno, index};
    if (c->error_fd >= 0) {
        ssize_t unused = write(c->error_fd, &e, sizeof e);
        (void)unused;
    }
    _exit(127);
}

/// Joins `a` and `b` into `out` (with one '/' between); returns 0, or -1 if too long.
static int path_join(char *out, const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    while (la > 0 && a[la - 1] == '/') la--;
    while (lb > 0 && *b == '/') { b++; lb--; }
    if (la + 1 + lb + 1 > KSPY_PATH_MAX) { errno = ENAMETOOLONG; return -1; }
    memcpy(out, a, la);
    out[la] = '/';
    memcpy(out + la + 1, b, lb);
    out[la + 1 + lb] = '\0';
    return 0;
}

/// mkdir -p on a path in a writable buffer (restored before returning).
static int mkdir_all(char *path, mode_t mode) {
    for (char *p = path + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        int rc = mkdir(path, mode);
        *p = '/';
        if (rc != 0 && errno != EEXIST) return -1;
    }
    if (mkdir(path, mode) != 0 && errno != EEXIST) return -1;
    return 0;
}

/// Creates an empty regular file (and its parents) to bind-mount a file onto.
static int make_file(char *path) {
    char *slash = strrchr(path, '/');
    if (slash && slash != path) {
        *slash = '\0';
        int rc = mkdir_all(path, 0755);
        *slash = '/';
        if (rc != 0) return -1;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return -1;
    close(fd);
    return 0;
}

static int write_all(int fd, const char *s, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0) { if (errno == EINTR) continue; return -1; }
        s += w; n -= (size_t)w;
    }
    return 0;
}

static int set_oom_score_adj(int value) {
    char buf[16];
    int i = (int)sizeof buf;
    int negative = value < 0;
    unsigned v = negative ? (unsigned)(-value) : (unsigned)value;
    do { buf[--i] = (char)('0' + v % 10); v /= 10; } while (v && i > 1);
    if (negative) buf[--i] = '-';
    int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    int rc = write_all(fd, buf + i, sizeof buf - (size_t)i);
    close(fd);
    return rc;
}

static int loopback_up(void) {
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return -1;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, "lo", 3);
    int rc = ioctl(s, SIOCGIFFLAGS, &ifr);
    if (rc == 0) {
        ifr.ifr_flags |= IFF_UP;
        rc = ioctl(s, SIOCSIFFLAGS, &ifr);
    }
    close(s);
    return rc;
}

static int bind_mount(const char *source, const char *target, int readonly) {
    if (mount(source, target, NULL, MS_BIND | MS_REC, NULL) != 0) return -1;
    if (readonly && mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) != 0) return -1;
    return 0;
}

static int setup_mount(const char *rootfs, const struct kspy_mount *m) {
    char target[KSPY_PATH_MAX];
    if (path_join(target, rootfs ? rootfs : "/", m->target) != 0) return -1;
    if (m->target_is_file ? make_file(target) : mkdir_all(target, 0755)) return -1;
    if (m->fstype == NULL) return bind_mount(m->source, target, m->readonly);
    if (mount(m->source, target, m->fstype, m->flags, m->data) != 0) return -1;
    if (m->readonly && mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) != 0) return -1;
    return 0;
}

/// A minimal /dev as container runtimes build it: a tmpfs with the harmless device
/// nodes bound from the host, the standard symlinks, /dev/shm and a private devpts.
static int setup_dev(const char *rootfs) {
    static const char *const devices[] = {"null", "zero", "full", "random", "urandom", "tty"};
    static const char *const links[][2] = {
        {"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"},
        {"/proc/self/fd/2", "stderr"}, {"pts/ptmx", "ptmx"},
    };
    char dev[KSPY_PATH_MAX], path[KSPY_PATH_MAX], host[64];
    if (path_join(dev, rootfs, "dev") != 0 || mkdir_all(dev, 0755) != 0) return -1;
    if (mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k") != 0) return -1;
    for (size_t i = 0; i < sizeof devices / sizeof devices[0]; i++) {
        if (path_join(path, dev, devices[i]) != 0 || make_file(path) != 0) return -1;
        if (path_join(host, "/dev", devices[i]) != 0) return -1;
        if (mount(host, path, NULL, MS_BIND, NULL) != 0) return -1;
    }
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
        if (path_join(path, dev, links[i][1]) != 0) return -1;
        if (symlink(links[i][0], path) != 0 && errno != EEXIST) return -1;
    }
    if (path_join(path, dev, "shm") != 0 || mkdir_all(path, 01777) != 0) return -1;
    if (mount("shm", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k") != 0) return -1;
    if (path_join(path, dev, "pts") != 0 || mkdir_all(path, 0755) != 0) return -1;
    if (mount("devpts", path, "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620") != 0)
        return -1;
    return 0;
}

/// execve with a PATH search like execvpe, but reading PATH from the new environment.
static void exec_command(const struct kspy_spawn_config *c) {
    const char *path = c->path;
    if (strchr(path, '/')) {
        execve(path, c->argv, c->envp);
        return;
    }
    const char *search = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    for (char *const *e = c->envp; e && *e; e++) {
        if (strncmp(*e, "PATH=", 5) == 0) { search = *e + 5; break; }
    }
    int saw_eacces = 0, last = ENOENT;
    char candidate[KSPY_PATH_MAX];
    size_t name_len = strlen(path);
    for (const char *p = search; ; ) {
        const char *end = strchr(p, ':');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == 0) { candidate[0] = '.'; len = 1; } else if (len < KSPY_PATH_MAX) memcpy(candidate, p, len);
        if (len + 1 + name_len + 1 <= KSPY_PATH_MAX) {
            candidate[len] = '/';
            memcpy(candidate + len + 1, path, name_len + 1);
            execve(candidate, c->argv, c->envp);
            if (errno == EACCES) saw_eacces = 1;
            else if (errno != ENOENT && errno != ENOTDIR) { last = errno; break; }
        }
        if (!end) break;
        p = end + 1;
    }
    errno = saw_eacces ? EACCES : last;
}

// ---------------------------------------------------------------------------
// The pause process.

static volatile sig_atomic_t pause_stop_requested = 0;
static void pause_on_stop(int sig) { (void)sig; pause_stop_requested = 1; }
static void pause_on_child(int sig) { (void)sig; }

/// Installs the pause's handlers and blocks its signals until sigsuspend. Runs before
/// the parent learns that setup succeeded: a SIGTERM sent to a PID-namespace init that
/// has no handler yet is discarded (pid_namespaces(7)), so it must not arrive earlier.
static void pause_prepare(sigset_t *waiting) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigset_t blocked;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGTERM);
    sigaddset(&blocked, SIGINT);
    sigaddset(&blocked, SIGCHLD);
    sigprocmask(SIG_BLOCK, &blocked, waiting);
    sa.sa_handler = pause_on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = pause_on_child;
    sigaction(SIGCHLD, &sa, NULL);
    sigdelset(waiting, SIGTERM);
    sigdelset(waiting, SIGINT);
    sigdelset(waiting, SIGCHLD);
}

/// Reaps zombies until SIGTERM or SIGINT, then exits 0.
__attribute__((noreturn)) static void pause_loop(const sigset_t *waiting) {
    for (;;) {
        while (waitpid(-1, NULL, WNOHANG) > 0) {}
        if (pause_stop_requested) _exit(0);
        sigsuspend(waiting);
    }
}

// ---------------------------------------------------------------------------
// The child.

/// The cgroups the child enters itself, before any namespace changes what it can see:
/// the v2 directory's cgroup.procs unless it was born there, then each v1 `tasks` file.
/// Writing "0" to `tasks` moves only the writing thread, which here is the whole
/// process; unlike a cgroup.procs write it does not take the kernel's global
/// threadgroup lock, whose first writer waits for an RCU grace period (milliseconds).
static void enter_cgroups(const struct kspy_spawn_config *c, int in_cgroup_dir) {
    if (c->cgroup_dir_fd >= 0 && !in_cgroup_dir) {
        int fd = openat(c->cgroup_dir_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write_all(fd, "0", 1) != 0) child_fail(c, KSPY_STEP_CGROUP, -1);
        close(fd);
    }
    for (int i = 0; i < c->cgroup_task_fd_count; i++) {
        if (write_all(c->cgroup_task_fds[i], "0", 1) != 0) child_fail(c, KSPY_STEP_CGROUP, i);
    }
}

__attribute__((noreturn)) static void child_main(const struct kspy_spawn_config *c, int in_cgroup_dir) {
    // 1. Wait until the parent has placed us into our cgroups.
    if (c->sync_fd >= 0) {
        char byte;
        ssize_t n;
        do { n = read(c->sync_fd, &byte, 1); } while (n < 0 && errno == EINTR);
        if (n != 1) { if (n == 0) errno = EPIPE; child_fail(c, KSPY_STEP_SYNC, 0); }
        close(c->sync_fd);
    }

    // 2. A clean signal state: nothing blocked or ignored from the supervisor. Handlers
    // go back to the default before anything is unblocked: a child sharing the parent's
    // memory must never run one of the parent's handlers.
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &dfl, NULL);
    }
    sigset_t none;
    sigemptyset(&none);
    if (sigprocmask(SIG_SETMASK, &none, NULL) != 0) child_fail(c, KSPY_STEP_SIGNALS, 0);

    enter_cgroups(c, in_cgroup_dir);
    if (c->new_session) setsid();
    // Lowering oom_score_adj below the parent's needs CAP_SYS_RESOURCE; without it
    // (EACCES) the child keeps the inherited value rather than failing to start.
    if (c->set_oom_score_adj && set_oom_score_adj(c->oom_score_adj) != 0 && errno != EACCES)
        child_fail(c, KSPY_STEP_OOM_SCORE, 0);

    // Standard streams, opened by the parent (or /dev/null) before the root changes.
    int fds[3] = {c->stdin_fd, c->stdout_fd, c->stderr_fd};
    for (int i = 0; i < 3; i++) {
        if (fds[i] < 0) {
            fds[i] = open("/dev/null", (i == 0 ? O_RDONLY : O_WRONLY) | O_CLOEXEC);
            if (fds[i] < 0) child_fail(c, KSPY_STEP_STDIO, i);
        }
    }
    for (int i = 0; i < 3; i++) {
        if (fds[i] == i) {
            int flags = fcntl(i, F_GETFD);
            if (flags >= 0 && (flags & FD_CLOEXEC)) fcntl(i, F_SETFD, flags & ~FD_CLOEXEC);
        } else if (dup2(fds[i], i) < 0) {
            child_fail(c, KSPY_STEP_STDIO, i);
        }
    }

    // 3. Namespaces of the pod's pause process.
    if (c->join_pidfd >= 0 && c->join_flags != 0) {
        if (setns(c->join_pidfd, c->join_flags) != 0) child_fail(c, KSPY_STEP_SETNS, 0);
    }

    // 4. Filesystem, in our own mount namespace.
    if (c->clone_flags & CLONE_NEWNS) {
        if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) != 0) child_fail(c, KSPY_STEP_MOUNT_PRIVATE, 0);
    }
    if (c->rootfs) {
        int rc = c->overlay_options
            ? mount("overlay", c->rootfs, "overlay", 0, c->overlay_options)
            : mount(c->rootfs, c->rootfs, NULL, MS_BIND | MS_REC, NULL);
        if (rc != 0) child_fail(c, KSPY_STEP_ROOTFS, 0);
    }
    if (c->mount_proc) {
        char proc[KSPY_PATH_MAX];
        if (path_join(proc, c->rootfs ? c->rootfs : "/", "proc") != 0 || mkdir_all(proc, 0555) != 0 ||
            mount("proc", proc, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
            child_fail(c, KSPY_STEP_PROC, 0);
    }
    if (c->mount_dev && c->rootfs && setup_dev(c->rootfs) != 0) child_fail(c, KSPY_STEP_DEV, 0);
    for (int i = 0; i < c->mount_count; i++) {
        if (setup_mount(c->rootfs, &c->mounts[i]) != 0) child_fail(c, KSPY_STEP_MOUNT, i);
    }
    if (c->rootfs) {
        // pivot_root(".", ".") stacks the old root on top of the new one; detaching
        // it leaves only the new root (the trick runc uses, pivot_root(2) NOTES).
        if (chdir(c->rootfs) != 0 || kspy_pivot_root(".", ".") != 0 || umount2(".", MNT_DETACH) != 0 ||
            chdir("/") != 0)
            child_fail(c, KSPY_STEP_PIVOT_ROOT, 0);
        if (c->readonly_rootfs && mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) != 0)
            child_fail(c, KSPY_STEP_READONLY_ROOT, 0);
    }

    // 5. Identity of the pod's UTS and network namespaces.
    if (c->hostname && sethostname(c->hostname, strlen(c->hostname)) != 0)
        child_fail(c, KSPY_STEP_HOSTNAME, 0);
    if (c->loopback_up && loopback_up() != 0) child_fail(c, KSPY_STEP_LOOPBACK, 0);

    // 6. Process identity.
    if (c->process_name) prctl(PR_SET_NAME, c->process_name, 0, 0, 0);
    if (c->set_ids) {
        if (setgroups(0, NULL) != 0 || setgid(c->gid) != 0 || setuid(c->uid) != 0)
            child_fail(c, KSPY_STEP_IDS, 0);
    }
    if (c->cwd && chdir(c->cwd) != 0) child_fail(c, KSPY_STEP_CWD, 0);

    // 7./8. Nothing of the supervisor's survives exec; then become the workload.
    if (c->mode == KSPY_SPAWN_PAUSE) {
        sigset_t waiting;
        pause_prepare(&waiting);
        // No exec to close descriptors for us: close everything but 0/1/2; closing
        // error_fd tells the parent that setup succeeded.
        if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0) {
            for (int fd = 3; fd < 65536; fd++) close(fd);
        }
        pause_loop(&waiting);
    }
    kspy_cloexec_from(3);
    exec_command(c);
    child_fail(c, KSPY_STEP_EXEC, 0);
}

// ---------------------------------------------------------------------------
// The parent side.

static int child_entry(void *start) {
    const struct child_start *s = start;
    child_main(s->config, s->in_cgroup_dir);
}

/// Whether clone3 should start the child in config->cgroup_dir_fd.
static int clones_into_cgroup(const struct kspy_spawn_config *config) {
    return config->cgroup_dir_fd >= 0 && !config->cgroup_dir_by_write;
}

/// clone3 arguments for `flags` with a pidfd stored in *pidfd and SIGCHLD at exit, and
/// CLONE_INTO_CGROUP config->cgroup_dir_fd when clones_into_cgroup(config).
static struct kspy_clone_args clone_args(const struct kspy_spawn_config *config, uint64_t flags, int *pidfd) {
    struct kspy_clone_args args;
    memset(&args, 0, sizeof args);
    args.flags = flags | CLONE_PIDFD;
    args.pidfd = (uint64_t)(uintptr_t)pidfd;
    args.exit_signal = SIGCHLD;
    if (clones_into_cgroup(config)) {
        args.flags |= CLONE_INTO_CGROUP;
        args.cgroup = (uint64_t)config->cgroup_dir_fd;
    }
    return args;
}

#if defined(__x86_64__)
/// clone3 for a child that shares our memory: glibc has no clone3 wrapper, and a child
/// on a new stack cannot return into C. Returns the child's PID or -errno in the
/// parent; the child calls fn(arg) on its stack and exits with its result.
/// (rdi = args, rsi = size, rdx = fn, rcx = arg; syscall keeps r8 and r9.)
__attribute__((visibility("hidden"))) long kspy_clone3_calling(struct kspy_clone_args *args, size_t size,
                                                                int (*fn)(void *), void *arg);
__asm__(
    ".text\n"
    ".globl kspy_clone3_calling\n"
    ".hidden kspy_clone3_calling\n"
    ".type kspy_clone3_calling,@function\n"
    "kspy_clone3_calling:\n"
    "    mov %rdx, %r8\n"
    "    mov %rcx, %r9\n"
    "    mov $435, %eax\n"        // SYS_clone3
    "    syscall\n"
    "    test %rax, %rax\n"
    "    jz 1f\n"
    "    ret\n"
    "1:  xor %ebp, %ebp\n"        // the child: the kernel set rsp to stack + stack_size
    "    mov %r9, %rdi\n"
    "    call *%r8\n"
    "    mov %eax, %edi\n"
    "    mov $60, %eax\n"         // SYS_exit
    "    syscall\n"
    "    hlt\n"
    ".size kspy_clone3_calling, .-kspy_clone3_calling\n");
#endif

/// The child started like posix_spawn starts one: CLONE_VM|CLONE_VFORK on a stack of
/// its own, so neither the caller's page tables nor its memory are copied, and the call
/// returns once the child has exec'd (or exited on a failure). With a v2 cgroup to
/// enter, clone3 starts it there (on x86-64; elsewhere, or where clone3 refuses, glibc's
/// clone and the child's own write). Every signal is blocked around the clone; the
/// child restores default handlers before it unblocks any.
static pid_t clone_sharing_memory(const struct kspy_spawn_config *config, int *pidfd) {
    const size_t stack_size = 256 * 1024;
    void *stack = mmap(NULL, stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) return -1;
    sigset_t all, saved;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &saved);
    struct child_start start = {config, 0};
    pid_t pid = -1;
#if defined(__x86_64__)
    if (clones_into_cgroup(config)) {
        struct kspy_clone_args args = clone_args(config, CLONE_VM | CLONE_VFORK, pidfd);
        args.stack = (uint64_t)(uintptr_t)stack;
        args.stack_size = stack_size;
        start.in_cgroup_dir = 1;
        long rc = kspy_clone3_calling(&args, sizeof args, child_entry, &start);
        if (rc > 0) pid = (pid_t)rc;
        else start.in_cgroup_dir = 0;  // pre-5.7 kernel, seccomp, a dying cgroup…: the child writes
    }
#endif
    if (pid < 0) {
        pid = clone(child_entry, (char *)stack + stack_size, CLONE_VM | CLONE_VFORK | CLONE_PIDFD | SIGCHLD,
                    &start, pidfd);
    }
    int saved_errno = errno;
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    munmap(stack, stack_size);
    errno = saved_errno;
    return pid;
}

/// The child with a copy of the caller's memory: clone3 with the namespaces to create,
/// a pidfd and the v2 cgroup to start in (without the cgroup where that fails; classic
/// clone and pidfd_open where clone3 is missing). The child runs child_main and never
/// returns here.
static pid_t clone_copying_memory(const struct kspy_spawn_config *config, int *pidfd) {
    struct kspy_clone_args args = clone_args(config, (uint64_t)(unsigned)config->clone_flags, pidfd);
    int in_cgroup_dir = clones_into_cgroup(config);
    pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof args);
    if (pid < 0 && in_cgroup_dir && errno != ENOSYS) {
        in_cgroup_dir = 0;
        args.flags &= ~(uint64_t)CLONE_INTO_CGROUP;
        args.cgroup = 0;
        pid = (pid_t)syscall(SYS_clone3, &args, sizeof args);
    }
    if (pid < 0 && errno == ENOSYS) {
        in_cgroup_dir = 0;
        // Pre-5.3 kernels or a seccomp filter without clone3: classic clone.
        pid = (pid_t)syscall(SYS_clone, (unsigned long)config->clone_flags | SIGCHLD, 0, 0, 0, 0);
        if (pid > 0) *pidfd = kspy_pidfd_open(pid, 0);
    }
    if (pid == 0) child_main(config, in_cgroup_dir);
    return pid;
}

pid_t kspy_spawn(const struct kspy_spawn_config *config, int *pidfd_out) {
    int saved_pid_ns = -1;
    if (config->join_pid_namespace && config->join_pidfd >= 0) {
        // setns(CLONE_NEWPID) changes only this thread's pid_for_children: the next
        // child is created in the target namespace. Restored right after the clone.
        saved_pid_ns = open("/proc/thread-self/ns/pid_for_children", O_RDONLY | O_CLOEXEC);
        if (saved_pid_ns < 0) return -1;
        if (setns(config->join_pidfd, CLONE_NEWPID) != 0) {
            int e = errno;
            close(saved_pid_ns);
            errno = e;
            return -1;
        }
    }

    int pidfd = -1;
    pid_t pid = config->share_memory ? clone_sharing_memory(config, &pidfd) : clone_copying_memory(config, &pidfd);

    int saved_errno = errno;
    if (saved_pid_ns >= 0) {
        setns(saved_pid_ns, CLONE_NEWPID);
        close(saved_pid_ns);
    }
    if (pid < 0) {
        errno = saved_errno;
        return -1;
    }
    if (pidfd_out) *pidfd_out = pidfd;
    else if (pidfd >= 0) close(pidfd);
    return pid;
}

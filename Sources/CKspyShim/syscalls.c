// Wrappers for syscalls glibc (2.36, Debian 12) does not wrap or wraps only recently.
#define _GNU_SOURCE
#include "kspy_shim.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <malloc.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sched.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

int kspy_pidfd_open(pid_t pid, unsigned int flags) {
    return (int)syscall(SYS_pidfd_open, pid, flags);
}

int kspy_pidfd_send_signal(int pidfd, int sig) {
    return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

int kspy_pidfd_wait(int pidfd, int options, int *status, int *signaled, pid_t *pid) {
    siginfo_t info;
    info.si_pid = 0;
    int rc;
    do {
        rc = waitid((idtype_t)P_PIDFD, (id_t)pidfd, &info, options | WEXITED);
    } while (rc < 0 && errno == EINTR);
    if (rc < 0) return -1;
    if (pid) *pid = info.si_pid;
    if (info.si_pid == 0) return 0;  // WNOHANG and still running
    if (status) *status = info.si_status;
    if (signaled) *signaled = (info.si_code == CLD_KILLED || info.si_code == CLD_DUMPED);
    return 0;
}

int kspy_pivot_root(const char *new_root, const char *put_old) {
    return (int)syscall(SYS_pivot_root, new_root, put_old);
}

int kspy_setns(int fd, int nstype) { return setns(fd, nstype); }

int kspy_cloexec_from(int from) {
    if (syscall(SYS_close_range, (unsigned)from, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return 0;
    // Kernels before 5.11: walk a generous range.
    for (int fd = from; fd < 65536; fd++) {
        int flags = fcntl(fd, F_GETFD);
        if (flags >= 0) fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
    }
    return 0;
}

int kspy_errno(void) { return errno; }

int kspy_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

#include <sys/signalfd.h>
int kspy_stop_signalfd(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    if (sigprocmask(SIG_BLOCK, &set, NULL) != 0) return -1;
    return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

int kspy_forward_signalfd(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGQUIT);
    sigaddset(&set, SIGWINCH);
    if (sigprocmask(SIG_BLOCK, &set, NULL) != 0) return -1;
    return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

int kspy_signalfd_read_code(int fd, int *code) {
    struct signalfd_siginfo info;
    ssize_t n = read(fd, &info, sizeof info);
    if (n != (ssize_t)sizeof info) return -1;
    if (code) *code = info.ssi_code;
    return (int)info.ssi_signo;
}

int kspy_signalfd_read(int fd) {
    struct signalfd_siginfo info;
    ssize_t n = read(fd, &info, sizeof info);
    if (n != (ssize_t)sizeof info) return -1;
    return (int)info.ssi_signo;
}

int kspy_eventfd(void) { return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); }

int kspy_malloc_trim(void) { return malloc_trim(0); }

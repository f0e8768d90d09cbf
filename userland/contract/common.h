/*
 * Shared helpers for the contract programs: unbuffered output through write(2) (so fork and
 * signal handlers never duplicate or reorder buffered text), errno names instead of numbers,
 * and one-line checks of a call's result.
 *
 * Every line a contract program prints must be identical on any correct Linux: no pids,
 * addresses, inode numbers, times or timing-dependent orderings.
 */
#ifndef CONTRACT_COMMON_H
#define CONTRACT_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdint.h>
#include <sys/sysmacros.h>

/* Kernel interfaces newer than this musl (1.2.3) and its headers. */
#ifndef STATX_BASIC_STATS
#define STATX_TYPE 0x1U
#define STATX_MODE 0x2U
#define STATX_NLINK 0x4U
#define STATX_UID 0x8U
#define STATX_GID 0x10U
#define STATX_ATIME 0x20U
#define STATX_MTIME 0x40U
#define STATX_CTIME 0x80U
#define STATX_INO 0x100U
#define STATX_SIZE 0x200U
#define STATX_BLOCKS 0x400U
#define STATX_BASIC_STATS 0x7ffU
struct statx_timestamp {
    int64_t tv_sec;
    uint32_t tv_nsec;
    int32_t reserved;
};
struct statx {
    uint32_t stx_mask;
    uint32_t stx_blksize;
    uint64_t stx_attributes;
    uint32_t stx_nlink;
    uint32_t stx_uid;
    uint32_t stx_gid;
    uint16_t stx_mode;
    uint16_t spare0;
    uint64_t stx_ino;
    uint64_t stx_size;
    uint64_t stx_blocks;
    uint64_t stx_attributes_mask;
    struct statx_timestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
    uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
    uint64_t spare[14];
};
static int statx(int dirfd, const char *path, int flags, unsigned mask, struct statx *buf) {
    return (int)syscall(SYS_statx, dirfd, path, flags, mask, buf);
}
#endif
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#define RENAME_WHITEOUT 4
static int renameat2(int od, const char *op, int nd, const char *np, unsigned flags) {
    return (int)syscall(SYS_renameat2, od, op, nd, np, flags);
}
#endif

static const char *errname(int e) {
    switch (e) {
    case 0: return "OK";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case ESRCH: return "ESRCH";
    case EINTR: return "EINTR";
    case EIO: return "EIO";
    case ENXIO: return "ENXIO";
    case E2BIG: return "E2BIG";
    case ENOEXEC: return "ENOEXEC";
    case EBADF: return "EBADF";
    case ECHILD: return "ECHILD";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case EBUSY: return "EBUSY";
    case EEXIST: return "EEXIST";
    case EXDEV: return "EXDEV";
    case ENODEV: return "ENODEV";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case EINVAL: return "EINVAL";
    case ENFILE: return "ENFILE";
    case EMFILE: return "EMFILE";
    case ENOTTY: return "ENOTTY";
    case ETXTBSY: return "ETXTBSY";
    case EFBIG: return "EFBIG";
    case ENOSPC: return "ENOSPC";
    case ESPIPE: return "ESPIPE";
    case EROFS: return "EROFS";
    case EMLINK: return "EMLINK";
    case EPIPE: return "EPIPE";
    case EDOM: return "EDOM";
    case ERANGE: return "ERANGE";
    case EDEADLK: return "EDEADLK";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ENOLCK: return "ENOLCK";
    case ENOSYS: return "ENOSYS";
    case ENOTEMPTY: return "ENOTEMPTY";
    case ELOOP: return "ELOOP";
    case ENODATA: return "ENODATA";
    case EOVERFLOW: return "EOVERFLOW";
    case ENOTSOCK: return "ENOTSOCK";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EALREADY: return "EALREADY";
    case EINPROGRESS: return "EINPROGRESS";
    default: {
        static char buf[32];
        snprintf(buf, sizeof buf, "E#%d", e);
        return buf;
    }
    }
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...) {
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof buf)
        n = sizeof buf - 1;
    const char *p = buf;
    while (n > 0) {
        ssize_t w = write(1, p, (size_t)n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        p += w;
        n -= (int)w;
    }
}

/* Prints "what: VALUE" for a non-negative result, "what: -1 ENAME" for a failure. The value
   must itself be deterministic (a count, an fd number, 0). */
#define CHECK(what, expr)                                                                   \
    do {                                                                                    \
        errno = 0;                                                                          \
        long _r = (long)(expr);                                                             \
        if (_r < 0)                                                                         \
            say("%s: -1 %s\n", what, errname(errno));                                       \
        else                                                                                \
            say("%s: %ld\n", what, _r);                                                     \
    } while (0)

/* Prints only "ok" or the errno name (for calls whose value is not deterministic). */
#define CHECK_OK(what, expr)                                                                \
    do {                                                                                    \
        errno = 0;                                                                          \
        long _r = (long)(expr);                                                             \
        say("%s: %s\n", what, _r < 0 ? errname(errno) : "ok");                              \
    } while (0)

/* For the pointer-returning calls (mmap, shmat...). */
#define CHECK_PTR(what, expr, failval)                                                      \
    ({                                                                                      \
        errno = 0;                                                                          \
        void *_p = (void *)(expr);                                                          \
        say("%s: %s\n", what, _p == (void *)(failval) ? errname(errno) : "ok");             \
        _p;                                                                                 \
    })

#define YESNO(b) ((b) ? "yes" : "no")

/* Describes a wait status deterministically. */
static const char *wstatus(int st) {
    static char buf[64];
    if (WIFEXITED(st))
        snprintf(buf, sizeof buf, "exited %d", WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        snprintf(buf, sizeof buf, "killed by signal %d%s", WTERMSIG(st), WCOREDUMP(st) ? " (core)" : "");
    else if (WIFSTOPPED(st))
        snprintf(buf, sizeof buf, "stopped by signal %d", WSTOPSIG(st));
    else if (WIFCONTINUED(st))
        snprintf(buf, sizeof buf, "continued");
    else
        snprintf(buf, sizeof buf, "unknown 0x%x", st);
    return buf;
}

/* Forks; the child runs fn(arg) and exits with its return value. Returns the child's pid. */
static pid_t spawn(int (*fn)(void *), void *arg) {
    pid_t p = fork();
    if (p == 0)
        _exit(fn(arg));
    return p;
}

/* Waits for pid and returns its status description. */
static const char *reap(pid_t pid) {
    int st = 0;
    pid_t r;
    do
        r = waitpid(pid, &st, 0);
    while (r < 0 && errno == EINTR);
    if (r < 0) {
        static char buf[64];
        snprintf(buf, sizeof buf, "waitpid failed: %s", errname(errno));
        return buf;
    }
    return wstatus(st);
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)ftw;
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* A fresh scratch directory (removed first if a previous run left it). */
static void scratch_dir(const char *path) {
    struct stat st;
    if (lstat(path, &st) == 0)
        nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    if (mkdir(path, 0755) < 0) {
        say("scratch_dir %s: %s\n", path, errname(errno));
        exit(100);
    }
}

/* Removes a scratch directory and everything in it. */
static void remove_tree(const char *path) {
    nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void write_file(const char *path, const char *data, mode_t mode) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd < 0) {
        say("write_file %s: %s\n", path, errname(errno));
        exit(100);
    }
    size_t n = strlen(data);
    if (write(fd, data, n) != (ssize_t)n) {
        say("write_file %s: short write\n", path);
        exit(100);
    }
    close(fd);
}

/* Fault probes: touch memory and report what happened instead of dying. */
#include <setjmp.h>
static sigjmp_buf fault_jmp;
static volatile int fault_sig, fault_code;
static void *volatile fault_addr;

static void fault_handler(int sig, siginfo_t *si, void *ctx) {
    (void)ctx;
    fault_sig = sig;
    fault_code = si->si_code;
    fault_addr = si->si_addr;
    siglongjmp(fault_jmp, 1);
}

static void catch_faults(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fault_handler;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
}

static const char *fault_desc(void *p) {
    static char buf[96];
    const char *code = "?";
    if (fault_sig == SIGSEGV)
        code = fault_code == SEGV_MAPERR ? "SEGV_MAPERR" : fault_code == SEGV_ACCERR ? "SEGV_ACCERR" : "other";
    else if (fault_sig == SIGBUS)
        code = fault_code == BUS_ADRERR ? "BUS_ADRERR" : fault_code == BUS_ADRALN ? "BUS_ADRALN"
             : fault_code == BUS_OBJERR ? "BUS_OBJERR" : "other";
    snprintf(buf, sizeof buf, "%s %s%s", fault_sig == SIGSEGV ? "SIGSEGV" : fault_sig == SIGBUS ? "SIGBUS" : "signal",
             code, fault_addr == p ? "" : " (si_addr differs)");
    return buf;
}

/* mode 'r' reads a byte, 'w' writes one, 'x' calls p as a function. */
static const char *probe(void *p, char mode) {
    fault_sig = 0;
    if (sigsetjmp(fault_jmp, 1))
        return fault_desc(p);
    if (mode == 'r')
        (void)*(volatile char *)p;
    else if (mode == 'w')
        *(volatile char *)p = 1;
    else
        ((void (*)(void))p)();
    return "ok";
}

#define PAGE 4096L

#endif

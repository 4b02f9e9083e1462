/*
 * iso_kernel.c - mode "iso": the kernel's attack surface, tried from inside.
 *
 * A container shares the host's kernel, so every system call it may make
 * is a door into the host: most kernel escapes of recent years started with
 * a user namespace (which hands root-in-namespace the code paths CAP_SYS_ADMIN
 * guards), io_uring, bpf, perf events, userfaultfd (to win races), or a
 * system call through the 32-bit ABI a filter forgot. Docker's default
 * seccomp profile (moby/profiles/seccomp/default.json) and capability set
 * close these; each check here opens one door and closes it at once:
 *   userns, clone_ns, clone3_ns, unshare_ns   new namespaces
 *   io_uring, keyctl, bpf, perf_event, userfaultfd   risky system calls
 *   open_by_handle   open a file by its handle ("Shocker", 2014)
 *   compat_abi       a system call through int $0x80
 *   syslog           read the host's kernel log
 * A door that opens in a VM opens into the guest's kernel only (iso.c).
 */
#include "iso.h"

#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <linux/keyctl.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <sys/klog.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080 /* time_namespaces(7), Linux 5.6 */
#endif

/* unshare(2) CLONE_NEWUSER: in a user namespace root gets every capability
 * over what that namespace owns, and reaches kernel code written for real
 * root only; many kernel escapes begin here. */
struct verdict check_userns(void)
{
    return tried(unshare(CLONE_NEWUSER), "new-user-namespace");
}

/* Reap a child that _exit(0)ed at once, made by clone or clone3. */
static struct verdict child_made(long pid, const char *note)
{
    if (pid < 0) return verdict(BLOCKED, errno, "refused");
    if (pid == 0) _exit(0);
    while (waitpid((pid_t)pid, NULL, 0) < 0 && errno == EINTR) {}
    return verdict(REACHED, 0, note);
}

/* The raw clone(2) system call with namespace flags: Docker's profile
 * lets clone through only without them (an argument rule on flags), so a
 * libc that bypasses unshare(2) must be stopped here too. With no stack
 * given, the child runs on a copy of ours, as after fork. */
struct verdict check_clone_ns(void)
{
    return child_made(syscall(SYS_clone, CLONE_NEWUSER | CLONE_NEWNET | SIGCHLD, 0, NULL, NULL, 0),
                      "child-in-new-user+net-ns");
}

/* clone3(2) takes its flags in a struct that seccomp cannot read, so
 * Docker answers it ENOSYS (libc then falls back to clone, which it can
 * filter). struct clone_args, version 0 (64 bytes), from linux/sched.h. */
struct verdict check_clone3_ns(void)
{
    struct {
        uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
    } args = {.flags = CLONE_NEWUSER, .exit_signal = SIGCHLD};
    return child_made(syscall(SYS_clone3, &args, sizeof args), "child-in-new-user-ns");
}

/* Each other namespace kind on its own: any that a container may create
 * is kernel code it may reach (and mount or net ones need CAP_SYS_ADMIN). */
struct verdict check_unshare_ns(void)
{
    static const struct { int flag; const char *name; } KINDS[] = {
        {CLONE_NEWNS, "mnt"}, {CLONE_NEWUTS, "uts"}, {CLONE_NEWIPC, "ipc"}, {CLONE_NEWNET, "net"},
        {CLONE_NEWPID, "pid"}, {CLONE_NEWCGROUP, "cgroup"}, {CLONE_NEWTIME, "time"},
    };
    char made[40] = "";
    int err = 0;
    for (size_t i = 0; i < sizeof KINDS / sizeof KINDS[0]; i++) {
        if (unshare(KINDS[i].flag) < 0) {
            err = errno;
            continue;
        }
        size_t n = strlen(made);
        snprintf(made + n, sizeof made - n, "%s%s", n ? "+" : "", KINDS[i].name);
    }
    return made[0] ? verdict(REACHED, 0, made) : verdict(BLOCKED, err, "refused");
}

/* An fd from a system call is the door open: close it and say so. */
static struct verdict fd_made(long fd, const char *note)
{
    if (fd < 0) return verdict(BLOCKED, errno, "refused");
    close((int)fd);
    return verdict(REACHED, 0, note);
}

/* io_uring_setup(2): a second system call interface that seccomp cannot
 * see into; Docker refuses it (it was the source of many exploits). */
struct verdict check_io_uring(void)
{
    struct io_uring_params params;
    memset(&params, 0, sizeof params);
    return fd_made(syscall(SYS_io_uring_setup, 1, &params), "ring-created");
}

/* keyctl(2): the kernel's key rings belong to users, not to namespaces,
 * so root in a container shares root's key ring with the host; Docker
 * refuses the call. Joining a new anonymous session key ring changes
 * only this child's session. */
struct verdict check_keyctl(void)
{
    long serial = syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL);
    return serial < 0 ? verdict(BLOCKED, errno, "refused") : verdict(REACHED, 0, "joined-new-session-keyring");
}

/* bpf(2) BPF_MAP_CREATE of a one-entry array: programs loaded into the
 * kernel itself; needs CAP_BPF or CAP_SYS_ADMIN here, refused by Docker. */
struct verdict check_bpf(void)
{
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.map_type = BPF_MAP_TYPE_ARRAY;
    attr.key_size = attr.value_size = 4;
    attr.max_entries = 1;
    return fd_made(syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof attr), "map-created");
}

/* perf_event_open(2) of a software clock on ourselves, user space only
 * (what perf_event_paranoid=2 still allows anyone): a large, often
 * exploited kernel interface; Docker refuses it without CAP_PERFMON. */
struct verdict check_perf_event(void)
{
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.type = PERF_TYPE_SOFTWARE;
    attr.size = sizeof attr;
    attr.config = PERF_COUNT_SW_CPU_CLOCK;
    attr.disabled = attr.exclude_kernel = attr.exclude_hv = 1;
    return fd_made(syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC), "event-opened");
}

/* userfaultfd(2) lets a process pause the kernel mid-copy on a page fault
 * of its own: exploits use it to win kernel races; Docker refuses it. */
struct verdict check_userfaultfd(void)
{
    return fd_made(syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK), "fd-created");
}

struct handle_try {
    struct verdict v;
    int done;
};

/* name_to_handle_at(2) on one mount point, then open_by_handle_at(2) with
 * the handle: 1 (stop) once a filesystem gave a handle. */
static int handle_on_mount(const char *point, const char *fstype, const char *opts, void *arg)
{
    (void)fstype, (void)opts;
    struct handle_try *t = arg;
    struct {
        struct file_handle head;
        unsigned char bytes[MAX_HANDLE_SZ];
    } fh;
    int mount_id;
    fh.head.handle_bytes = MAX_HANDLE_SZ;
    if (name_to_handle_at(AT_FDCWD, point, &fh.head, &mount_id, 0) < 0) return 0; /* no handles here: next */
    int mount_fd = open(point, O_RDONLY | O_CLOEXEC);
    if (mount_fd < 0) return 0;
    int fd = open_by_handle_at(mount_fd, &fh.head, O_RDONLY | O_CLOEXEC);
    int err = errno;
    close(mount_fd);
    if (fd >= 0) close(fd);
    t->v = fd >= 0 ? verdict(REACHED, 0, "opened-by-handle") : verdict(BLOCKED, err, "open-refused");
    return t->done = 1;
}

/* open_by_handle_at(2) opens any inode of a filesystem from a handle,
 * which is a few guessable numbers (ext4: the inode and its generation):
 * "Shocker" (2014) read the host's /etc/shadow from a Docker container
 * this way. It needs CAP_DAC_READ_SEARCH, which no container keeps. We try
 * "/" first, then every mount (a bind-mounted file of the host's disk is
 * what Shocker used). */
struct verdict check_open_by_handle(void)
{
    struct handle_try t = {verdict(BLOCKED, EOPNOTSUPP, "no-filesystem-gives-handles"), 0};
    if (!handle_on_mount("/", "", "", &t)) each_mount(handle_on_mount, &t);
    return t.v;
}

/* A system call through the i386 ABI, from this 64-bit process (int $0x80
 * uses the 32-bit numbers and registers). The kernel restores r8-r11 as 0. */
static long int80(long nr, long a, long b)
{
    long ret;
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b) : "r8", "r9", "r10", "r11", "memory", "cc");
    return ret;
}

#define I386_GETPID 20  /* arch/x86/entry/syscalls/syscall_32.tbl */
#define I386_KEYCTL 288

/* A seccomp filter matches system call numbers per architecture: one
 * written for x86_64 only leaves the i386 numbers unfiltered (CVE-2009-0835
 * class), which is why Docker's and box's filters kill any other ABI. In a
 * grandchild: getpid (killed by SIGSYS: the filter kills foreign ABIs;
 * SIGSEGV or ENOSYS: the kernel has no ia32 emulation), then keyctl,
 * which a container's filter refuses natively. The exit status says how
 * far it got: 0 keyctl worked, 1-99 getpid failed with that errno, 100 +
 * errno keyctl refused. */
struct verdict check_compat_abi(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        long ret = int80(I386_GETPID, 0, 0);
        if (ret != (long)getpid()) _exit(ret < 0 && ret > -100 ? (int)-ret : 99);
        ret = int80(I386_KEYCTL, KEYCTL_JOIN_SESSION_KEYRING, 0);
        _exit(ret >= 0 ? 0 : 100 + (int)(-ret < 155 ? -ret : 154));
    }
    if (pid < 0) return verdict(BLOCKED, errno, "fork-refused");
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS) return verdict(BLOCKED, 0, "foreign-abi-killed");
    if (WIFSIGNALED(status)) return verdict(NOT_APPLICABLE, 0, "no-ia32-emulation");
    int code = WEXITSTATUS(status);
    if (code == 0) return verdict(REACHED, 0, "keyctl-via-int-0x80");
    if (code == ENOSYS) return verdict(NOT_APPLICABLE, ENOSYS, "no-ia32-emulation");
    if (code < 100) return verdict(BLOCKED, code == 99 ? 0 : code, "foreign-abi-refused");
    return verdict(BLOCKED, code - 100, "keyctl-refused");
}

/* syslog(2) READ_ALL: the kernel log holds addresses and events of the
 * whole host (kernel.dmesg_restrict makes it need CAP_SYSLOG). */
struct verdict check_syslog(void)
{
    char buf[4096];
    if (klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0) < 0) return verdict(BLOCKED, errno, "refused");
    int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, sizeof buf);
    if (n < 0) return verdict(BLOCKED, errno, "read-refused");
    return n > 0 ? verdict(REACHED, 0, "read-kernel-log") : verdict(BLOCKED, 0, "empty-log");
}

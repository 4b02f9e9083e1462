/*
 * iso_handed.c - mode "iso": what the caller or the runtime hands the
 * instance, and whether an attacker inside can use it against the host.
 *
 * A runtime starts the workload from the host, so whatever it does not take
 * away the workload inherits: open file descriptors (a shell's `exec 9</`),
 * a terminal, capabilities, and the sight of the runtime's own process and
 * binary. Each check here looks for one of these and tries to use it:
 *   leaked_fd    climb out of an inherited directory fd   (CVE-2024-21626)
 *   tiocsti      type into an inherited terminal           (CVE-2017-5226 class)
 *   cap_sets     capabilities beyond Docker's default set  (CVE-2022-24769)
 *   runtime_exe  open the runtime's binary for writing     (CVE-2019-5736)
 * The harness (bench/isolation.py) provides the leaks on purpose: a
 * directory fd on the host's "/" and a pty it owns, handed to each runtime
 * the way a careless shell would hand them to any command.
 */
#include "iso.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <termios.h>

#define MAX_FD 1024 /* RLIMIT_NOFILE's usual soft limit: the fds a caller could leave open */

/* Climb ".." from directory fd `fd` until it stops moving (openat(2) never
 * stops at our root for an fd that is outside it); *top gets the last one. */
static int climb_to_top(int fd, struct stat *top)
{
    int cur = dup(fd);
    if (cur < 0 || fstat(cur, top) < 0) return -1;
    for (int i = 0; i < 256; i++) {
        struct stat up;
        int parent = openat(cur, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (parent < 0 || fstat(parent, &up) < 0) break;
        close(cur);
        cur = parent;
        if (up.st_dev == top->st_dev && up.st_ino == top->st_ino) break; /* ".." of a root is itself */
        *top = up;
    }
    close(cur);
    return 0;
}

/* CVE-2024-21626: runc leaked a directory fd of the host into the container
 * (its cwd could be set to /proc/self/fd/N). Any directory fd that leads to
 * the host's root is a way around the container's root. */
struct verdict check_leaked_fd(void)
{
    if (H.root_ino <= 0) return verdict(NOT_APPLICABLE, 0, "no-target");
    int seen = 0;
    for (int fd = 3; fd < MAX_FD; fd++) {
        struct stat st, top;
        if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode)) continue;
        seen++;
        if (climb_to_top(fd, &top) == 0 && (long long)top.st_dev == H.root_dev && (long long)top.st_ino == H.root_ino) {
            char note[40];
            snprintf(note, sizeof note, "host-root-via-fd-%d", fd);
            return verdict(REACHED, 0, note);
        }
    }
    return verdict(BLOCKED, 0, seen ? "own-directories-only" : "no-directory-fd");
}

/* The one terminal we may type into: the harness's own pty, known by its
 * device number. Any other terminal (a real user's) is never touched. */
static int handed_terminal(void)
{
    for (int fd = 0; fd < MAX_FD; fd++) {
        struct stat st;
        if (isatty(fd) && fstat(fd, &st) == 0 && (long long)st.st_rdev == H.tty_rdev) return fd;
    }
    return -1;
}

/* TIOCSTI pushes a byte into a terminal's input as if typed (ioctl_tty(2)):
 * a container given the caller's terminal could type commands into the
 * caller's shell after it exits. The kernel allows it on one's controlling
 * terminal (or with CAP_SYS_ADMIN); an attacker takes the terminal as
 * controlling terminal first (setsid, TIOCSCTTY), as we do here. The byte
 * is a NUL, read back at once, so the harness's pty ends as it started. */
struct verdict check_tiocsti(void)
{
    if (H.tty_rdev <= 0) return verdict(NOT_APPLICABLE, 0, "no-terminal-handed-in");
    int fd = handed_terminal();
    if (fd < 0) return verdict(BLOCKED, 0, "terminal-not-handed-on");
    if (setsid() >= 0) ioctl(fd, TIOCSCTTY, 0); /* may fail: CAP_SYS_ADMIN alone also allows TIOCSTI */
    tcflush(fd, TCIFLUSH);                     /* nothing left from an earlier run is taken for ours */
    char byte = '\0';
    if (ioctl(fd, TIOCSTI, &byte) < 0) return verdict(BLOCKED, errno, "refused");
    struct pollfd p = {.fd = fd, .events = POLLIN};
    char back = 1;
    if (poll(&p, 1, 500) == 1 && read(fd, &back, 1) == 1 && back == '\0')
        return verdict(REACHED, 0, "typed-into-host-terminal");
    return verdict(BLOCKED, 0, "not-read-back");
}

/* Docker's default capabilities (moby's oci/caps/defaults.go), by number (capabilities(7)). */
static const int DOCKER_CAPS[] = {
    CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_FSETID, CAP_KILL, CAP_SETGID, CAP_SETUID, CAP_SETPCAP,
    CAP_NET_BIND_SERVICE, CAP_NET_RAW, CAP_SYS_CHROOT, CAP_MKNOD, CAP_AUDIT_WRITE, CAP_SETFCAP,
};

/* One CapXxx: line of /proc/self/status as a mask; 0 if absent. */
static unsigned long long status_caps(const char *status, const char *key)
{
    const char *p = strstr(status, key);
    return p ? strtoull(p + strlen(key), NULL, 16) : 0;
}

/* Every capability set, read twice: from /proc/self/status (proc(5)) and
 * with capget(2) itself, in case a procfs shows another process's view.
 * Reached when any set holds one outside Docker's default, or when the
 * inheritable set is not empty (CVE-2022-24769: runc left it filled, so an
 * exec'd file capability could restore what was dropped). The note names
 * the extra capabilities as a mask, for a reader (or a test) to decode. */
struct verdict check_cap_sets(void)
{
    unsigned long long docker = 0, any = 0, inheritable = 0;
    for (size_t i = 0; i < sizeof DOCKER_CAPS / sizeof DOCKER_CAPS[0]; i++) docker |= 1ULL << DOCKER_CAPS[i];
    char status[4096] = "";
    if (H.proc[0]) {
        char path[128];
        snprintf(path, sizeof path, "%s/self/status", H.proc);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n = fd >= 0 ? read(fd, status, sizeof status - 1) : -1;
        if (fd >= 0) close(fd);
        status[n > 0 ? n : 0] = '\0';
    }
    inheritable = status_caps(status, "CapInh:");
    any = status_caps(status, "CapPrm:") | status_caps(status, "CapEff:") | status_caps(status, "CapBnd:") |
          status_caps(status, "CapAmb:");
    struct __user_cap_header_struct head = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &head, data) == 0) {
        for (int i = 0; i < 2; i++) {
            any |= ((unsigned long long)data[i].permitted | data[i].effective) << (32 * i);
            inheritable |= (unsigned long long)data[i].inheritable << (32 * i);
        }
    } else if (!status[0]) {
        return verdict(NOT_APPLICABLE, errno, "no-way-to-read-them");
    }
    char note[40];
    if (inheritable) {
        snprintf(note, sizeof note, "inheritable-0x%llx", inheritable);
        return verdict(REACHED, 0, note);
    }
    if (any & ~docker) {
        snprintf(note, sizeof note, "beyond-docker-0x%llx", any & ~docker);
        return verdict(REACHED, 0, note);
    }
    return verdict(BLOCKED, 0, "docker-default-or-fewer");
}

/* Could this busy executable be written once it stops running? Not on a
 * read-only filesystem, not if it is a memfd sealed against writes (how
 * runc and box run their own binary), not without write permission. */
static struct verdict busy_exe(const char *exe)
{
    int fd = open(exe, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return verdict(BLOCKED, errno, "busy-and-unreadable");
    struct statvfs fs;
    int read_only = fstatvfs(fd, &fs) == 0 && (fs.f_flag & ST_RDONLY);
    int seals = fcntl(fd, F_GET_SEALS);
    close(fd);
    if (read_only) return verdict(BLOCKED, EROFS, "read-only-filesystem");
    if (seals > 0 && (seals & F_SEAL_WRITE)) return verdict(BLOCKED, 0, "sealed-memfd");
    if (access(exe, W_OK) < 0) return verdict(BLOCKED, errno, "not-writable");
    return verdict(REACHED, ETXTBSY, "busy-but-writable");
}

/* Is process `pid` one of the instance's own, running a file of its own
 * root filesystem? Its root is ours, its binary on our root's filesystem,
 * and ours is not the host's root (natively every process is the host's).
 * runc's init in CVE-2019-5736 had entered the container's root, but ran
 * a binary of the host's filesystem: not its own. */
static int own_process(long pid, const struct stat *exe, const struct stat *root)
{
    char path[128];
    struct stat theirs;
    if ((long long)root->st_dev == H.root_dev && (long long)root->st_ino == H.root_ino) return 0;
    snprintf(path, sizeof path, "%s/%ld/root", H.proc, pid);
    return stat(path, &theirs) == 0 && theirs.st_dev == root->st_dev && theirs.st_ino == root->st_ino &&
           exe->st_dev == root->st_dev;
}

/* CVE-2019-5736: a container opened runc's binary through /proc/PID/exe
 * of runc's process joining it, and rewrote the host's runc. We look at
 * every visible process running a binary that is not ours nor one of the
 * instance's own files (the runtime's init or launcher, or any host
 * process) and open it for writing, never writing a byte. ETXTBSY only
 * means "running right now": the binary is still judged writable unless
 * sealed, read-only or not permitted. */
struct verdict check_runtime_exe(void)
{
    char path[128];
    struct stat self, root;
    if (!H.proc[0]) return verdict(BLOCKED, ENOENT, "no-procfs");
    snprintf(path, sizeof path, "%s/self/exe", H.proc);
    if (stat(path, &self) < 0 || stat("/", &root) < 0) return verdict(BLOCKED, errno, "no-own-exe");
    DIR *d = opendir(H.proc);
    if (!d) return verdict(BLOCKED, errno, "no-procfs");
    struct verdict best = verdict(BLOCKED, 0, "no-runtime-process-visible");
    struct dirent *e;
    while ((e = readdir(d))) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        struct stat st;
        if (*end || pid <= 0 || pid == (long)getpid()) continue;
        snprintf(path, sizeof path, "%s/%ld/exe", H.proc, pid);
        if (stat(path, &st) < 0 || (st.st_dev == self.st_dev && st.st_ino == self.st_ino) ||
            own_process(pid, &st, &root))
            continue;
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        struct verdict v = fd >= 0 ? verdict(REACHED, 0, "opened-for-writing")
                         : errno == ETXTBSY ? busy_exe(path)
                         : verdict(BLOCKED, errno, "open-refused");
        if (fd >= 0) close(fd);
        best = v;
        if (v.outcome == REACHED) break;
    }
    closedir(d);
    return best;
}

/*
 * iso.c - mode "iso": the isolation scorecard's checks, tried from inside.
 *
 * Measures what an instance can reach of the host (scenarios/isolation.toml):
 * its root, processes, network, clock, disks, kernel settings, the kernel's
 * attack surface, and whether its memory, process and CPU limits hold. Each
 * check is one real attempt, made in a forked child (so a chroot(2), a mount
 * or a ptrace of one check never affects the next), and printed as one line:
 *   BENCH event=result mode=iso check=C C_blocked=1|0|na outcome=T errno=ENAME|none note=N
 * C_blocked=1: the attempt failed (isolated); 0: it reached the host; na:
 * it cannot be decided here (the host kernel lacks the feature, or the
 * harness gave no target). Every attempt is harmless when it succeeds: the
 * hostname is set to its own value, the clock moved by 0 ns, files of the
 * kernel only opened for writing (never written), a host process only sent
 * signal 0 and seized (never stopped), mounts and namespaces undone at once
 * (the child that made them exits), a kernel module of 0 bytes "loaded" (the
 * kernel checks the capability first, then refuses the empty module).
 * The harness (bench/isolation.py) passes the host's facts as KEY=VALUE
 * words (pid=, socket=, root_dev=, ...): a different boot_id means a guest
 * kernel, so whatever succeeds there reaches only the guest. The host process
 * and socket it names are those of mode target (target.c), run on the host.
 *
 * In this file: the host's facts and the helpers that read /proc, then one
 * check_* function per check of the host's processes, network, root, disk
 * and settings, then the limits, then CHECKS, the scorecard's order, and
 * mode_iso, which runs them. The other checks are in iso_handed.c, iso_fs.c
 * and iso_kernel.c (iso.h says which is where).
 * A last line follows the checks:
 *   BENCH event=done mode=iso kernel=host|guest procfs=present|own-mount|none
 */
#include "iso.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/timex.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>

struct host_facts H;

/* A procfs to look at. chroot(8) mounts none, but root in a chroot can mount
 * one itself, which is what an attacker would do (and its /proc/sys is the
 * host's). Mounted on a private temporary directory, unmounted at the end. */
static char g_proc_mount[64];

static void find_proc(void)
{
    if (access("/proc/self/stat", R_OK) == 0) {
        snprintf(H.proc, sizeof H.proc, "/proc");
        return;
    }
    snprintf(g_proc_mount, sizeof g_proc_mount, "/tmp/probe-iso-proc.%ld", (long)getpid());
    if (mkdir(g_proc_mount, 0700) == 0 && mount("proc", g_proc_mount, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == 0) {
        snprintf(H.proc, sizeof H.proc, "%s", g_proc_mount);
        return;
    }
    rmdir(g_proc_mount);
    g_proc_mount[0] = '\0';
    H.proc[0] = '\0'; /* no procfs at all: checks that need one say so */
}

static void release_proc(void)
{
    if (g_proc_mount[0]) {
        umount2(g_proc_mount, MNT_DETACH);
        rmdir(g_proc_mount);
    }
}

int read_proc(const char *rel, char *buf, size_t len)
{
    char path[128];
    if (!H.proc[0]) return -1;
    snprintf(path, sizeof path, "%s/%s", H.proc, rel);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buf, len - 1);
    close(fd);
    if (n < 0) return -1;
    buf[n] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    return 0;
}

/* Is namespace `kind` (uts, net) the host's? 1 yes, 0 no, -1 cannot tell. */
static int same_ns(const char *kind, long long host_ino)
{
    char path[128], link[64];
    if (!H.proc[0] || host_ino <= 0) return -1;
    snprintf(path, sizeof path, "%s/self/ns/%s", H.proc, kind);
    ssize_t n = readlink(path, link, sizeof link - 1);
    if (n < 0) return -1;
    link[n] = '\0';
    const char *open_bracket = strchr(link, '[');
    return open_bracket && strtoll(open_bracket + 1, NULL, 10) == host_ino;
}

/* Is PID `pid` here the host's target process (same start time, proc(5)
 * field 22)? In a PID namespace or a guest the number may name another
 * process, or none. 1 yes, 0 no, -1 cannot tell (no procfs). */
static int is_host_target(void)
{
    char rel[64], stat[1024];
    snprintf(rel, sizeof rel, "%lld/stat", H.pid);
    if (!H.proc[0]) return -1;
    if (read_proc(rel, stat, sizeof stat) < 0) return 0;
    char *p = strrchr(stat, ')');
    unsigned long long start = 0;
    for (int field = 3; p && field <= 22; field++) {
        p = strchr(p + 1, ' ');
        if (p && field == 22) start = strtoull(p + 1, NULL, 10);
    }
    return (long long)start == H.pid_start;
}

int scratch_dir(char *dir, size_t len, const char *what)
{
    snprintf(dir, len, "/tmp/probe-iso.%s.%ld", what, (long)getpid());
    return mkdir(dir, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

static struct verdict check_root_escape(void)
{
    if (H.root_ino <= 0) return verdict(NOT_APPLICABLE, 0, "no-target");
    char dir[64];
    if (scratch_dir(dir, sizeof dir, "escape") < 0) return verdict(BLOCKED, errno, "no-tmp");
    int rc = chroot(dir); /* the parent removes dir: our "/" may be anywhere after this */
    if (rc < 0) return verdict(BLOCKED, errno, "chroot-refused");
    for (int i = 0; i < 256; i++)
        if (chdir("..") < 0) break;
    if (chroot(".") < 0) return verdict(BLOCKED, errno, "chroot-refused");
    struct stat root;
    if (stat("/", &root) < 0) return verdict(BLOCKED, errno, "stat");
    int host = (long long)root.st_dev == H.root_dev && (long long)root.st_ino == H.root_ino;
    return host ? verdict(REACHED, 0, "host-root") : verdict(BLOCKED, 0, "own-root");
}

static struct verdict check_host_pids(void)
{
    if (H.pid <= 0) return verdict(NOT_APPLICABLE, 0, "no-target");
    if (kill((pid_t)H.pid, 0) < 0 && errno == ESRCH) return verdict(BLOCKED, ESRCH, "no-such-pid");
    return is_host_target() == 0 ? verdict(BLOCKED, 0, "other-process") : verdict(REACHED, 0, "host-process-visible");
}

static struct verdict check_kill_host(void)
{
    if (H.pid <= 0) return verdict(NOT_APPLICABLE, 0, "no-target");
    if (kill((pid_t)H.pid, 0) < 0) return verdict(BLOCKED, errno, "refused");
    return is_host_target() == 0 ? verdict(BLOCKED, 0, "other-process") : verdict(REACHED, 0, "signal-0-delivered");
}

/* PTRACE_SEIZE attaches without stopping the tracee (ptrace(2)); our exit
 * (the check runs in a child) detaches it again. */
static struct verdict check_ptrace_host(void)
{
    if (H.pid <= 0) return verdict(NOT_APPLICABLE, 0, "no-target");
    if (ptrace(PTRACE_SEIZE, (pid_t)H.pid, NULL, NULL) < 0) return verdict(BLOCKED, errno, "refused");
    return is_host_target() == 0 ? verdict(BLOCKED, 0, "other-process") : verdict(REACHED, 0, "attached");
}

static struct verdict check_host_net(void)
{
    if (!H.netif || H.netif_index <= 0) return verdict(NOT_APPLICABLE, 0, "no-target");
    unsigned idx = if_nametoindex(H.netif);
    if (idx == 0) return verdict(BLOCKED, errno, "no-such-interface");
    if ((long long)idx != H.netif_index || same_ns("net", H.net_ns) == 0)
        return verdict(BLOCKED, 0, "other-interface");
    return verdict(REACHED, 0, "host-interface-visible");
}

/* A packet socket bound to the host's interface could sniff and forge its traffic (packet(7)). */
static struct verdict check_raw_socket(void)
{
    if (!H.netif || H.netif_index <= 0) return verdict(NOT_APPLICABLE, 0, "no-target");
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
    if (fd < 0) return verdict(BLOCKED, errno, "socket-refused");
    struct sockaddr_ll addr = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
                               .sll_ifindex = (int)H.netif_index};
    char name[IF_NAMESIZE] = "";
    int rc = bind(fd, (struct sockaddr *)&addr, sizeof addr);
    int err = errno;
    close(fd);
    if (rc < 0) return verdict(BLOCKED, err, "bind-refused");
    if (!if_indextoname((unsigned)H.netif_index, name) || strcmp(name, H.netif) != 0 || same_ns("net", H.net_ns) == 0)
        return verdict(BLOCKED, 0, "own-network-only");
    return verdict(REACHED, 0, "bound-to-host-interface");
}

static struct verdict check_host_socket(void)
{
    if (!H.socket) return verdict(NOT_APPLICABLE, 0, "no-target");
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    size_t n = strlen(H.socket);
    if (n + 1 > sizeof addr.sun_path) return verdict(NOT_APPLICABLE, ENAMETOOLONG, "name-too-long");
    memcpy(addr.sun_path + 1, H.socket, n); /* sun_path[0] = '\0': the abstract namespace (unix(7)) */
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return verdict(BLOCKED, errno, "socket-refused");
    int rc = connect(fd, (struct sockaddr *)&addr, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n));
    int err = errno;
    close(fd);
    return rc < 0 ? verdict(BLOCKED, err, "refused") : verdict(REACHED, 0, "connected");
}

/* Set the hostname to what it already is: allowed means the UTS namespace's
 * owner could set anything; it is the host's only if that namespace is. */
static struct verdict check_hostname(void)
{
    struct utsname u;
    if (uname(&u) < 0) return verdict(BLOCKED, errno, "uname");
    if (sethostname(u.nodename, strlen(u.nodename)) < 0) return verdict(BLOCKED, errno, "refused");
    int same = same_ns("uts", H.uts_ns);
    if (same == 0 || (same < 0 && H.hostname && strcmp(u.nodename, H.hostname) != 0))
        return verdict(BLOCKED, 0, "own-hostname-only");
    return verdict(REACHED, 0, "set-to-same-value");
}

/* adjtimex(2) ADJ_SETOFFSET adds an offset to the clock: 0 ns changes
 * nothing, yet needs CAP_SYS_TIME like any change (no time namespace
 * virtualises CLOCK_REALTIME, see time_namespaces(7)). */
static struct verdict check_clock(void)
{
    struct timex tx = {.modes = ADJ_SETOFFSET | ADJ_NANO};
    return tried(adjtimex(&tx), "offset-0-applied");
}

static struct verdict check_mount(void)
{
    char dir[64];
    if (scratch_dir(dir, sizeof dir, "mount") < 0) return verdict(BLOCKED, errno, "no-tmp");
    int rc = mount("tmpfs", dir, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k");
    int err = errno;
    if (rc == 0) umount2(dir, MNT_DETACH);
    rmdir(dir);
    return rc < 0 ? verdict(BLOCKED, err, "refused") : verdict(REACHED, 0, "tmpfs-mounted");
}

/* A node for the host's disk: one already in /dev, else one we make (then
 * *made is set: the caller unlinks it). Its path goes to path[len]. */
static int open_host_disk(char *path, size_t len, int *made, int flags)
{
    DIR *d = opendir("/dev");
    struct dirent *e;
    *made = 0;
    while (d && (e = readdir(d))) {
        struct stat st;
        snprintf(path, len, "/dev/%s", e->d_name);
        if (stat(path, &st) == 0 && S_ISBLK(st.st_mode) && (long long)st.st_rdev == H.disk_dev) {
            closedir(d);
            return open(path, flags | O_CLOEXEC);
        }
    }
    if (d) closedir(d);
    snprintf(path, len, "/tmp/probe-iso-disk.%ld", (long)getpid());
    if (mknod(path, S_IFBLK | 0600, (dev_t)H.disk_dev) < 0) return -1;
    *made = 1;
    return open(path, flags | O_CLOEXEC);
}

static struct verdict check_block_device(void)
{
    if (H.disk_dev <= 0) return verdict(NOT_APPLICABLE, 0, "no-target");
    char path[300], sector[512];
    int made;
    int fd = open_host_disk(path, sizeof path, &made, O_RDONLY);
    int err = errno;
    ssize_t n = fd >= 0 ? read(fd, sector, sizeof sector) : -1;
    if (fd >= 0) err = errno, close(fd);
    if (made) unlink(path);
    return n > 0 ? verdict(REACHED, 0, "read-a-sector") : verdict(BLOCKED, err, fd < 0 ? "open-refused" : "read-refused");
}

/* Mount the host's disk. A block device mounted once already is mounted
 * again by sharing its superblock; the kernel refuses (EBUSY) a read-only
 * mount of a read-write one, so the second try matches the host's mode. */
static struct verdict check_host_disk_mount(void)
{
    if (H.disk_dev <= 0 || !H.fstype) return verdict(NOT_APPLICABLE, 0, "no-target");
    char dir[64], path[300];
    int made;
    if (scratch_dir(dir, sizeof dir, "disk") < 0) return verdict(BLOCKED, errno, "no-tmp");
    int fd = open_host_disk(path, sizeof path, &made, O_RDONLY);
    int rc = -1, err = errno;
    if (fd >= 0) {
        close(fd); /* it opens: now mount it by its path */
        rc = mount(path, dir, H.fstype, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
        if (rc < 0 && errno == EBUSY)
            rc = mount(path, dir, H.fstype, MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
        err = errno;
    }
    if (rc == 0) umount2(dir, MNT_DETACH);
    rmdir(dir);
    if (made) unlink(path);
    return rc < 0 ? verdict(BLOCKED, err, fd < 0 ? "no-device" : "refused") : verdict(REACHED, 0, "mounted");
}

/* A node for a device the instance was never given (/dev/kmsg, char 1:11),
 * opened for writing (nothing is written). What stops it: no CAP_MKNOD, a
 * nodev mount, or the devices cgroup (Docker's default allow-list). */
static struct verdict check_mknod(void)
{
    char node[64];
    snprintf(node, sizeof node, "/tmp/probe-iso-kmsg.%ld", (long)getpid());
    if (mknod(node, S_IFCHR | 0600, makedev(1, 11)) < 0) return verdict(BLOCKED, errno, "mknod-refused");
    int fd = open(node, O_WRONLY | O_CLOEXEC);
    int err = errno;
    unlink(node);
    if (fd < 0) return verdict(BLOCKED, err, "open-refused");
    close(fd);
    return verdict(REACHED, 0, "opened");
}

int host_lacks(const char *feature)
{
    if (!H.lacks) return 0; /* e.g. lacks=sysrq+module */
    size_t n = strlen(feature);
    for (const char *p = H.lacks; (p = strstr(p, feature)); p += n)
        if ((p == H.lacks || p[-1] == '+') && (p[n] == '\0' || p[n] == '+'))
            return 1;
    return 0;
}

/* Undo the octal escapes mountinfo uses for space, tab, newline and backslash (proc(5)). */
static void unescape_octal(char *s)
{
    char *out = s;
    for (; *s; s++, out++) {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
            *out = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
            s += 3;
        } else {
            *out = *s;
        }
    }
    *out = '\0';
}

/* mountinfo's line: ID PARENT MAJ:MIN ROOT POINT OPTIONS [TAGS...] - FSTYPE SOURCE SUPER-OPTIONS */
int each_mount(int (*found)(const char *point, const char *fstype, const char *opts, void *arg), void *arg)
{
    char path[128], line[4096];
    if (!H.proc[0]) return -1;
    snprintf(path, sizeof path, "%s/self/mountinfo", H.proc);
    FILE *f = fopen(path, "re");
    if (!f) return -1;
    int rc = 0;
    while (!rc && fgets(line, sizeof line, f)) {
        char point[1024], opts[512], fstype[64];
        const char *dash = strstr(line, " - ");
        if (!dash || sscanf(line, "%*s %*s %*s %*s %1023s %511s", point, opts) != 2 ||
            sscanf(dash + 3, "%63s", fstype) != 1)
            continue;
        unescape_octal(point);
        rc = found(point, fstype, opts, arg);
    }
    fclose(f);
    return rc;
}

/* Write a global (not namespaced) kernel setting back with its own value. */
static struct verdict check_proc_sys(void)
{
    char path[128], value[64];
    if (!H.proc[0]) return verdict(BLOCKED, ENOENT, "no-procfs");
    if (read_proc("sys/vm/swappiness", value, sizeof value) < 0) return verdict(BLOCKED, errno, "read-refused");
    snprintf(path, sizeof path, "%s/sys/vm/swappiness", H.proc);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return verdict(BLOCKED, errno, "open-refused");
    ssize_t n = write(fd, value, strlen(value));
    int err = errno;
    close(fd);
    return n < 0 ? verdict(BLOCKED, err, "write-refused") : verdict(REACHED, 0, "wrote-same-value");
}

static struct verdict check_sysrq(void)
{
    if (host_lacks("sysrq")) return verdict(NOT_APPLICABLE, 0, "host-kernel-lacks-it");
    char path[128];
    if (!H.proc[0]) return verdict(BLOCKED, ENOENT, "no-procfs");
    snprintf(path, sizeof path, "%s/sysrq-trigger", H.proc);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return verdict(BLOCKED, errno, "open-refused");
    close(fd); /* opened for writing is enough: nothing is written */
    return verdict(REACHED, 0, "opened-for-writing");
}

/* init_module(2) of 0 bytes: EPERM without CAP_SYS_MODULE (or under seccomp);
 * with it the kernel goes on and refuses the empty image (ENOEXEC). */
static struct verdict check_module(void)
{
    if (host_lacks("module")) return verdict(NOT_APPLICABLE, 0, "host-kernel-lacks-it");
    static char empty[1];
    long rc = syscall(SYS_init_module, empty, 0UL, "");
    if (rc == 0) return verdict(REACHED, 0, "loaded"); /* cannot happen with 0 bytes */
    if (errno == EPERM || errno == ENOSYS) return verdict(BLOCKED, errno, "refused");
    return verdict(REACHED, errno, "capability-granted");
}

/* Touch more memory than the limit, in a child: a limit shows as that
 * child being OOM-killed (or mmap failing). */
static struct verdict check_mem_limit(void)
{
    if (H.mem_limit_mib <= 0) return verdict(NOT_APPLICABLE, 0, "no-limit-asked");
    size_t bytes = (size_t)(H.mem_limit_mib + 64) * MIB;
    pid_t pid = fork();
    if (pid == 0) {
        volatile unsigned char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) _exit(3);
        for (size_t off = 0; off < bytes; off += BLOCK) p[off] = 1;
        _exit(0);
    }
    if (pid < 0) return verdict(BLOCKED, errno, "fork-refused");
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return verdict(REACHED, 0, "allocated-beyond-limit");
    return verdict(BLOCKED, 0, WIFSIGNALED(status) ? "killed-at-limit" : "allocation-refused");
}

/* Fork more processes than the limit: a limit shows as fork failing (EAGAIN). */
static struct verdict check_pids_limit(void)
{
    if (H.pids_limit <= 0) return verdict(NOT_APPLICABLE, 0, "no-limit-asked");
    if (H.other_kernel) return verdict(BLOCKED, 0, "guest-kernel"); /* its processes are not the host's */
    long long want = H.pids_limit + 8;
    pid_t kids[4200];
    if (want > 4200) want = 4200;
    long long made = 0;
    int err = 0;
    for (; made < want; made++) {
        pid_t pid = fork();
        if (pid == 0) { pause(); _exit(0); }
        if (pid < 0) { err = errno; break; }
        kids[made] = pid;
    }
    for (long long i = 0; i < made; i++) kill(kids[i], SIGKILL);
    for (long long i = 0; i < made; i++) waitpid(kids[i], NULL, 0);
    return made < want ? verdict(BLOCKED, err, "fork-refused-at-limit") : verdict(REACHED, 0, "forked-beyond-limit");
}

/* Three processes spin for 0.6 s: this one and two helpers. Without a
 * limit they get as much CPU as the host can give (2 CPUs' worth on an idle
 * 2-core host, still several tenths of a CPU on a badly loaded one). A CPU
 * quota (CFS bandwidth, sched-bwc.rst) holds the whole group to what was
 * asked (cpu_limit_milli) per 100 ms period. So: limited when the three
 * together got at most 1.5 times the limit. Our own CPU time is RUSAGE_SELF,
 * the helpers' RUSAGE_CHILDREN once reaped (getrusage(2)); this check runs
 * in a fresh child, so both start from zero. */
static struct verdict check_cpu_limit(void)
{
    if (H.cpu_limit_milli <= 0) return verdict(NOT_APPLICABLE, 0, "no-limit-asked");
    if (H.other_kernel) return verdict(BLOCKED, 0, "guest-kernel"); /* bounded by its vCPUs */
    pid_t helpers[2];
    for (int i = 0; i < 2; i++)
        if ((helpers[i] = fork()) == 0)
            for (;;) {} /* spins until killed */
    double t0 = now_s();
    while (now_s() - t0 < 0.6) {}
    double wall = now_s() - t0;
    for (int i = 0; i < 2; i++)
        if (helpers[i] > 0) kill(helpers[i], SIGKILL), waitpid(helpers[i], NULL, 0);
    struct rusage kids;
    getrusage(RUSAGE_CHILDREN, &kids);
    double used = cpu_s() + (double)(kids.ru_utime.tv_sec + kids.ru_stime.tv_sec) +
                  (double)(kids.ru_utime.tv_usec + kids.ru_stime.tv_usec) / 1e6;
    double cpus = used / wall, limit = (double)H.cpu_limit_milli / 1000;
    char note[40];
    snprintf(note, sizeof note, "%s-%.2f-cpus", cpus <= 1.5 * limit ? "held-to" : "got", cpus);
    return cpus <= 1.5 * limit ? verdict(BLOCKED, 0, note) : verdict(REACHED, 0, note);
}

struct check {
    const char *name;
    struct verdict (*run)(void);
    int host; /* 1: reaching for the host (a guest kernel cannot); 0: a limit */
};

/* The scorecard's order, by group as bench/metrics.py ISOLATION_CHECKS lists them. */
static const struct check CHECKS[] = {
    /* reach the host: its root, files, processes, network, disk, terminal, kernel log */
    {"root_escape", check_root_escape, 1}, {"leaked_fd", check_leaked_fd, 1},
    {"host_pids", check_host_pids, 1}, {"kill_host", check_kill_host, 1},
    {"ptrace_host", check_ptrace_host, 1}, {"host_net", check_host_net, 1},
    {"raw_socket", check_raw_socket, 1}, {"host_socket", check_host_socket, 1},
    {"block_device", check_block_device, 1}, {"host_disk_mount", check_host_disk_mount, 1},
    {"open_by_handle", check_open_by_handle, 1}, {"tiocsti", check_tiocsti, 1},
    {"syslog", check_syslog, 1},
    /* change the host's state: names, clock, mounts, devices, kernel settings, the runtime */
    {"hostname", check_hostname, 1}, {"clock", check_clock, 1}, {"mount", check_mount, 1},
    {"mknod", check_mknod, 1}, {"mknod_nodev", check_mknod_nodev, 1},
    {"proc_sys", check_proc_sys, 1}, {"sys_write", check_sys_write, 1},
    {"sysrq", check_sysrq, 1}, {"cgroup_write", check_cgroup_write, 1},
    {"runtime_exe", check_runtime_exe, 1}, {"module", check_module, 1},
    /* the kernel's attack surface: capabilities kept, namespaces made, risky system calls */
    {"cap_sets", check_cap_sets, 1}, {"userns", check_userns, 1}, {"clone_ns", check_clone_ns, 1},
    {"clone3_ns", check_clone3_ns, 1}, {"unshare_ns", check_unshare_ns, 1},
    {"io_uring", check_io_uring, 1}, {"keyctl", check_keyctl, 1}, {"bpf", check_bpf, 1},
    {"perf_event", check_perf_event, 1}, {"userfaultfd", check_userfaultfd, 1},
    {"compat_abi", check_compat_abi, 1},
    /* the limits */
    {"mem_limit", check_mem_limit, 0}, {"pids_limit", check_pids_limit, 0},
    {"cpu_limit", check_cpu_limit, 0},
};

/* Run one check in a child; its verdict comes back through a pipe. A child
 * that dies without answering (a seccomp kill, a hang cut by alarm) counts
 * as blocked: the attempt did not get through. */
static struct verdict run_check(const struct check *c)
{
    int fds[2];
    if (pipe(fds) < 0) fail("pipe", errno);
    pid_t pid = fork();
    if (pid < 0) fail("fork", errno);
    if (pid == 0) {
        close(fds[0]);
        alarm(20);
        struct verdict v = c->run();
        if (write(fds[1], &v, sizeof v) != (ssize_t)sizeof v) _exit(1);
        _exit(0);
    }
    close(fds[1]);
    struct verdict v;
    ssize_t n;
    while ((n = read(fds[0], &v, sizeof v)) < 0 && errno == EINTR) {}
    close(fds[0]);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
    char dir[64];
    snprintf(dir, sizeof dir, "/tmp/probe-iso.escape.%ld", (long)pid);
    rmdir(dir); /* the escape's directory, left for us (see check_root_escape) */
    if (n != (ssize_t)sizeof v) v = verdict(BLOCKED, 0, "check-died");
    if (c->host && H.other_kernel && v.outcome == REACHED) v = verdict(BLOCKED, 0, "guest-kernel");
    return v;
}

int mode_iso(int argc, char **argv)
{
    /* KEY=VALUE words, not --options: a VM's kernel passes at most ~30 words to init. */
    const struct opt facts[] = {
        {"boot_id", NULL, 0, 0, &H.boot_id}, {"hostname", NULL, 0, 0, &H.hostname},
        {"socket", NULL, 0, 0, &H.socket}, {"netif", NULL, 0, 0, &H.netif},
        {"disk_fstype", NULL, 0, 0, &H.fstype}, {"lacks", NULL, 0, 0, &H.lacks},
        {"pid", &H.pid, 1, INT_MAX, NULL}, {"pid_start", &H.pid_start, 0, LLONG_MAX, NULL},
        {"root_dev", &H.root_dev, 0, LLONG_MAX, NULL}, {"root_ino", &H.root_ino, 1, LLONG_MAX, NULL},
        {"disk_dev", &H.disk_dev, 1, LLONG_MAX, NULL}, {"netif_index", &H.netif_index, 1, INT_MAX, NULL},
        {"uts_ns", &H.uts_ns, 1, LLONG_MAX, NULL}, {"net_ns", &H.net_ns, 1, LLONG_MAX, NULL},
        {"tty_rdev", &H.tty_rdev, 1, LLONG_MAX, NULL},
        {"mem_limit_mib", &H.mem_limit_mib, 1, 1 << 20, NULL}, {"pids_limit", &H.pids_limit, 1, 4096, NULL},
        {"cpu_limit_milli", &H.cpu_limit_milli, 1, 1 << 20, NULL},
    };
    const int nfacts = (int)(sizeof facts / sizeof facts[0]);
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) usage();
        char *eq = strchr(argv[i], '=');
        int k = 0;
        while (eq && k < nfacts && (strlen(facts[k].name) != (size_t)(eq - argv[i]) ||
                                    strncmp(argv[i], facts[k].name, (size_t)(eq - argv[i])) != 0))
            k++;
        if (!eq || k == nfacts) die_usage("iso: '%s' is not one of the host's facts (KEY=VALUE)", argv[i]);
        if (facts[k].num)
            *facts[k].num = parse_count(facts[k].name, eq + 1, facts[k].min, facts[k].max);
        else
            *facts[k].str = eq + 1;
    }
    printf("BENCH event=ready mode=iso pid=%ld\n", (long)getpid());
    find_proc();
    char boot_id[64];
    H.other_kernel = H.boot_id && read_proc("sys/kernel/random/boot_id", boot_id, sizeof boot_id) == 0 &&
                     strcmp(boot_id, H.boot_id) != 0;
    static const char *OUTCOMES[] = {"blocked", "reached", "na"};
    static const char *BLOCKED_VALUE[] = {"1", "0", "na"};
    for (size_t i = 0; i < sizeof CHECKS / sizeof CHECKS[0]; i++) {
        struct verdict v = run_check(&CHECKS[i]);
        const char *err = v.err ? strerrorname_np(v.err) : NULL;
        printf("BENCH event=result mode=iso check=%s %s_blocked=%s outcome=%s errno=%s note=%s\n",
               CHECKS[i].name, CHECKS[i].name, BLOCKED_VALUE[v.outcome], OUTCOMES[v.outcome],
               err ? err : "none", v.note); /* never a bare number: the harness stores numbers as figures */
    }
    release_proc();
    printf("BENCH event=done mode=iso kernel=%s procfs=%s\n", H.other_kernel ? "guest" : "host",
           H.proc[0] ? (g_proc_mount[0] ? "own-mount" : "present") : "none");
    return 0;
}

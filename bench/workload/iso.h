/*
 * iso.h - what the files of mode "iso" share: a check's verdict, the host's
 * facts the harness passed, the helpers that read /proc, and every check.
 *
 * The checks live in four files, by what they try (the scorecard's groups,
 * bench/metrics.py ISOLATION_CHECKS):
 *   iso.c         the mode itself (facts, running each check, the output),
 *                 the reaches for the host's processes, network, root and
 *                 disk, the changes to its state, and the limits;
 *   iso_handed.c  what a careless caller or runtime hands the instance: a
 *                 directory fd, a terminal, capabilities, the runtime's own
 *                 binary;
 *   iso_fs.c      the host's global files: the cgroup filesystem, /sys, a
 *                 device node on a mount without nodev;
 *   iso_kernel.c  the kernel's attack surface that a container's seccomp
 *                 filter and capability set keep closed (namespaces,
 *                 io_uring, keyctl, bpf, perf, userfaultfd, file handles,
 *                 the 32-bit system call door, the kernel log).
 */
#ifndef ISO_H
#define ISO_H

#include "probe.h"

enum outcome { BLOCKED, REACHED, NOT_APPLICABLE };

struct verdict {
    int outcome;
    int err;          /* errno of the step that failed, or 0 */
    char note[40];    /* one token: what decided it */
};

struct host_facts {
    const char *boot_id, *hostname, *socket, *netif, *fstype, *lacks;
    long long pid, pid_start, root_dev, root_ino, disk_dev, netif_index, uts_ns, net_ns;
    long long tty_rdev;  /* the terminal the harness handed in (its device number), or 0 */
    long long mem_limit_mib, pids_limit, cpu_limit_milli;
    int other_kernel; /* 1: we run on another kernel than the host's (a VM) */
    char proc[64];    /* a procfs to read: /proc, or one we mounted ourselves */
};

extern struct host_facts H;

static inline struct verdict verdict(int outcome, int err, const char *note)
{
    struct verdict v = {outcome, err, ""};
    snprintf(v.note, sizeof v.note, "%s", note);
    return v;
}

/* An attempt's result: it failed with errno (blocked) or worked (reached). */
static inline struct verdict tried(int rc, const char *what_worked)
{
    return rc < 0 ? verdict(BLOCKED, errno, "refused") : verdict(REACHED, 0, what_worked);
}

/* Read a small file below the procfs into buf (first line only); 0 on success. */
int read_proc(const char *rel, char *buf, size_t len);

/* A private scratch directory for one check, in /tmp of wherever we run. */
int scratch_dir(char *dir, size_t len, const char *what);

/* Does the host kernel lack `feature` (the harness's lacks=a+b fact)? */
int host_lacks(const char *feature);

/* The writable mounts without nodev, from /proc/self/mountinfo (proc(5)):
 * calls found(mount point, arg) for each until it returns nonzero, and
 * returns that value (0 if none did, -1 if mountinfo cannot be read). */
int each_mount(int (*found)(const char *point, const char *fstype, const char *opts, void *arg), void *arg);

/* iso_handed.c */
struct verdict check_leaked_fd(void);
struct verdict check_tiocsti(void);
struct verdict check_cap_sets(void);
struct verdict check_runtime_exe(void);

/* iso_fs.c */
struct verdict check_cgroup_write(void);
struct verdict check_sys_write(void);
struct verdict check_mknod_nodev(void);

/* iso_kernel.c */
struct verdict check_userns(void);
struct verdict check_clone_ns(void);
struct verdict check_clone3_ns(void);
struct verdict check_unshare_ns(void);
struct verdict check_io_uring(void);
struct verdict check_keyctl(void);
struct verdict check_bpf(void);
struct verdict check_perf_event(void);
struct verdict check_userfaultfd(void);
struct verdict check_open_by_handle(void);
struct verdict check_compat_abi(void);
struct verdict check_syslog(void);

#endif

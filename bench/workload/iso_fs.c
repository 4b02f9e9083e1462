/*
 * iso_fs.c - mode "iso": the kernel's global files, opened for writing.
 *
 * Some filesystems are windows onto the whole kernel, not onto one
 * instance: the cgroup filesystem holds the limits the instance runs under,
 * /sys holds device and kernel settings shared by every instance, and a
 * device node opens the device whatever mount it sits on. Runtimes mount
 * them read-only (cgroupfs, sysfs), or mount everything else nodev and
 * filter devices through the devices cgroup. Each check opens a file for
 * writing and never writes; where nothing is mounted, root with
 * CAP_SYS_ADMIN mounts its own, as an attacker would.
 */
#include "iso.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>

/* Open `rel` below dir (or "/" when dir is "") for writing: 1 opened,
 * 0 refused (errno set), -1 no such file. */
static int open_for_writing(const char *dir, const char *rel)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd >= 0) return close(fd), 1;
    return errno == ENOENT ? -1 : 0;
}

/* Our memory cgroup's path: the v1 line naming "memory", else the v2 "0::" line (cgroups(7)). */
static int own_cgroup(char *v1, char *v2, size_t len)
{
    char path[128], line[1024];
    v1[0] = v2[0] = '\0';
    if (!H.proc[0]) return -1;
    snprintf(path, sizeof path, "%s/self/cgroup", H.proc);
    FILE *f = fopen(path, "re");
    if (!f) return -1;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *controllers = strchr(line, ':'), *where = controllers ? strchr(controllers + 1, ':') : NULL;
        if (!where) continue;
        *where++ = '\0';
        if (strcmp(controllers + 1, "") == 0) snprintf(v2, len, "%s", where);
        for (char *c = strtok(controllers + 1, ","); c; c = strtok(NULL, ","))
            if (strcmp(c, "memory") == 0) snprintf(v1, len, "%s", where);
    }
    fclose(f);
    return 0;
}

/* The file that would raise our own memory limit, below a cgroupfs at
 * `top`: 1 opened for writing, 0 refused, -1 none there. */
static int open_limit(const char *top, const char *v1, const char *v2)
{
    char rel[PATH_MAX];
    int rc = -1;
    if (v1[0]) {
        snprintf(rel, sizeof rel, "memory%s/memory.limit_in_bytes", v1); /* top/memory/<path> (hybrid, v1) */
        rc = open_for_writing(top, rel);
        if (rc < 0) {
            snprintf(rel, sizeof rel, "%s/memory.limit_in_bytes", v1); /* a memory hierarchy mounted at top */
            rc = open_for_writing(top, rel);
        }
    }
    if (rc < 0 && v2[0]) {
        snprintf(rel, sizeof rel, "%s/memory.max", v2);
        rc = open_for_writing(top, rel);
    }
    return rc;
}

/* Raise our own memory limit (cgroups(7)): the cgroup filesystem must be
 * read-only inside, or a container lifts every limit the host set. */
struct verdict check_cgroup_write(void)
{
    char v1[PATH_MAX], v2[PATH_MAX];
    if (own_cgroup(v1, v2, sizeof v1) < 0) return verdict(BLOCKED, errno, "no-proc-self-cgroup");
    int rc = open_limit("/sys/fs/cgroup", v1, v2);
    if (rc >= 0) return rc ? verdict(REACHED, 0, "limit-file-writable") : verdict(BLOCKED, errno, "read-only");
    /* No cgroupfs in sight: mount one. cgroup2 first; a v1 memory hierarchy if v2 has no memory controller. */
    char dir[64];
    if (scratch_dir(dir, sizeof dir, "cgroup") < 0) return verdict(BLOCKED, errno, "no-tmp");
    int err = 0;
    static const struct { const char *type, *data; } KINDS[] = {{"cgroup2", NULL}, {"cgroup", "memory"}};
    for (size_t i = 0; rc < 0 && i < sizeof KINDS / sizeof KINDS[0]; i++) {
        if (mount(KINDS[i].type, dir, KINDS[i].type, MS_NOSUID | MS_NODEV | MS_NOEXEC, KINDS[i].data) < 0) {
            err = errno;
            continue;
        }
        /* Mounted at dir, a hierarchy's root is dir itself: our path goes right below it. */
        rc = open_limit(dir, KINDS[i].data ? v1 : "", KINDS[i].data ? "" : v2);
        err = errno;
        umount2(dir, MNT_DETACH);
    }
    rmdir(dir);
    if (rc > 0) return verdict(REACHED, 0, "mounted-cgroupfs-writable");
    return verdict(BLOCKED, err ? err : ENOENT, rc == 0 ? "read-only" : "no-cgroupfs");
}

/* Global settings in /sys, first found decides: uevent_helper is the
 * classic escape (the kernel runs the program it names, as host root, on
 * the next device event); transparent huge pages and KSM change every
 * process's memory. */
static const char *const SYS_FILES[] = {
    "kernel/uevent_helper", "kernel/mm/transparent_hugepage/enabled", "kernel/mm/ksm/run", "power/state",
};

static int open_sys_file(const char *top, const char **which)
{
    for (size_t i = 0; i < sizeof SYS_FILES / sizeof SYS_FILES[0]; i++) {
        int rc = open_for_writing(top, SYS_FILES[i]);
        if (rc >= 0) return *which = SYS_FILES[i], rc;
    }
    return -1;
}

struct verdict check_sys_write(void)
{
    const char *which = NULL;
    int rc = open_sys_file("/sys", &which), err = errno;
    char dir[64] = "";
    if (rc < 0) { /* no sysfs mounted (a chroot): mount one */
        if (scratch_dir(dir, sizeof dir, "sys") < 0) return verdict(BLOCKED, errno, "no-tmp");
        if (mount("sysfs", dir, "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
            err = errno;
            rmdir(dir);
            return verdict(BLOCKED, err, "sysfs-mount-refused");
        }
        rc = open_sys_file(dir, &which);
        err = errno;
        umount2(dir, MNT_DETACH);
        rmdir(dir);
    }
    if (rc < 0) return verdict(NOT_APPLICABLE, 0, "no-global-sysfs-file");
    char note[40];
    snprintf(note, sizeof note, "%s-%s", rc ? "opened" : "refused", strrchr(which, '/') + 1);
    return rc ? verdict(REACHED, 0, note) : verdict(BLOCKED, err, note);
}

/* Pseudo filesystems: no device node can be made there, so not worth a try. */
static int pseudo_fs(const char *fstype)
{
    static const char *const PSEUDO[] = {"proc", "sysfs", "cgroup", "cgroup2", "devpts", "mqueue", "debugfs",
                                         "tracefs", "securityfs", "pstore", "bpf", "configfs", "fusectl",
                                         "binfmt_misc", "efivarfs", "autofs", "hugetlbfs", "nsfs"};
    for (size_t i = 0; i < sizeof PSEUDO / sizeof PSEUDO[0]; i++)
        if (strcmp(fstype, PSEUDO[i]) == 0) return 1;
    return 0;
}

/* A mount option in a comma-separated list ("rw,nosuid,nodev,relatime"). */
static int has_option(const char *opts, const char *opt)
{
    size_t n = strlen(opt);
    for (const char *p = opts; (p = strstr(p, opt)); p += n)
        if ((p == opts || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
            return 1;
    return 0;
}

/* Tries one mount; 1 when the node opened (stop), 0 to go on. statvfs(3)
 * has the last word on nodev and read-only: it also knows the mount of
 * our root, which mountinfo does not list inside a chroot. */
static int kmsg_on_mount(const char *point, const char *fstype, const char *opts, void *arg)
{
    struct verdict *v = arg;
    struct statvfs fs;
    if (has_option(opts, "nodev") || has_option(opts, "ro") || pseudo_fs(fstype)) return 0;
    if (statvfs(point, &fs) < 0 || (fs.f_flag & (ST_NODEV | ST_RDONLY))) return 0;
    char node[PATH_MAX];
    snprintf(node, sizeof node, "%s/.probe-iso-kmsg.%ld", strcmp(point, "/") ? point : "", (long)getpid());
    if (mknod(node, S_IFCHR | 0600, makedev(1, 11)) < 0) {
        if (errno == EPERM) return *v = verdict(BLOCKED, EPERM, "mknod-refused"), 1; /* no CAP_MKNOD: anywhere */
        return 0; /* not writable here: try the next mount */
    }
    int fd = open(node, O_WRONLY | O_CLOEXEC);
    int err = errno;
    unlink(node);
    if (fd < 0) return *v = verdict(BLOCKED, err, "open-refused"), 0;
    close(fd);
    *v = verdict(REACHED, 0, "opened-on-a-dev-mount");
    return 1;
}

/* Like check_mknod, but on every writable mount that lacks nodev (the
 * root itself, a volume, a bind mount), not only /tmp: nodev on each
 * mount, or the devices cgroup, must stop the node from opening. */
struct verdict check_mknod_nodev(void)
{
    struct verdict v = verdict(BLOCKED, 0, "every-mount-nodev");
    if (!kmsg_on_mount("/", "", "", &v)) each_mount(kmsg_on_mount, &v);
    return v;
}

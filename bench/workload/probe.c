/*
 * probe.c - the one workload binary of the benchmark suite.
 *
 * The same static binary runs natively, in a chroot, in containers and in
 * VMs, so any difference in its numbers comes from the isolation, not from
 * the workload. Build:  gcc -O2 -static -Wall -Wextra -o probe probe.c
 *
 * Usage:  probe MODE [--option value ...]
 *   ready                  print the ready line and exit (measures start-up)
 *   cpu  [--iterations N]  integer mixing loop                 (20000000)
 *   mem  [--mib N]         touch N MiB of fresh memory, hold   (64)
 *   idle                   report own memory use, hold
 *   io   [--dir D] [--size-mib N] [--rand-ops N] [--fsync-ops N]
 *                          storage test, fio-like              (. 64 2000 200)
 *   escape                 try the classic chroot escape, report if it worked
 *
 * Output: every stdout line is  BENCH key=value key=value ...  (values have
 * no spaces; floats are printed with %.9g). A run prints, in order:
 *   1. BENCH event=ready mode=M pid=P [...]   (mem does its work first, so
 *                                              "ready" means memory is in place)
 *   2. BENCH event=result mode=M key=value ...
 *   3. holding modes (mem, idle) then wait for SIGTERM or SIGINT and print
 *      BENCH event=stopped mode=M             and exit 0.
 * Exit status: 0 success; 2 usage error (message on stderr only);
 *   1 runtime error: BENCH event=error mode=M errno=N what=TOKEN on stdout
 *   plus a human-readable message on stderr.
 */
#define _GNU_SOURCE /* for O_DIRECT */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024 * 1024)
#define BLOCK 4096 /* page size, and the O_DIRECT alignment used throughout */

static const char *g_mode = "none";  /* for error lines */
static char g_cleanup[2][PATH_MAX];  /* io files to unlink if we fail */
static volatile sig_atomic_t g_stop; /* set by the signal handler */

static void usage(void)
{
    fputs("usage: probe MODE [--option value ...]\n"
          "  ready | idle | escape\n"
          "  cpu [--iterations N]   mem [--mib N]\n"
          "  io  [--dir D] [--size-mib N] [--rand-ops N] [--fsync-ops N]\n",
          stderr);
    exit(2);
}

__attribute__((format(printf, 1, 2), noreturn))
static void die_usage(const char *fmt, ...)
{
    va_list ap;
    fputs("probe: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs(" (see probe --help)\n", stderr);
    exit(2);
}

/* Runtime failure: one machine-readable line, one human line, exit 1. */
__attribute__((noreturn))
static void fail(const char *what, int err)
{
    printf("BENCH event=error mode=%s errno=%d what=%s\n", g_mode, err, what);
    fprintf(stderr, "probe: %s: %s: %s\n", g_mode, what, strerror(err));
    for (int i = 0; i < 2; i++)
        if (g_cleanup[i][0])
            unlink(g_cleanup[i]);
    exit(1);
}

/* A whole decimal number in [min, max]; anything else is a usage error. */
static long long parse_count(const char *opt, const char *s,
                             long long min, long long max)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    /* strtoll() accepts leading blanks and a sign; we want digits only. */
    if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno == ERANGE)
        die_usage("%s: '%s' is not a whole number", opt, s);
    if (v < min || v > max)
        die_usage("%s: %lld is outside %lld..%lld", opt, v, min, max);
    return v;
}

/* One "--name value" option: a number in [min, max], or a string. */
struct opt {
    const char *name;
    long long *num, min, max;
    const char **str;
};

static void parse_opts(int argc, char **argv, const struct opt *opts, int n)
{
    for (int i = 0; i < argc; i += 2) {
        if (strcmp(argv[i], "--help") == 0)
            usage();
        int k = 0;
        while (k < n && strcmp(argv[i], opts[k].name) != 0)
            k++;
        if (k == n)
            die_usage("%s: unknown option %s", g_mode, argv[i]);
        if (i + 1 >= argc)
            die_usage("option %s needs a value", argv[i]);
        if (opts[k].num)
            *opts[k].num = parse_count(argv[i], argv[i + 1], opts[k].min, opts[k].max);
        else
            *opts[k].str = argv[i + 1];
    }
}

/* Wall time that never jumps backwards (clock_gettime(2) CLOCK_MONOTONIC). */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time used by this process, user + system (getrusage(2)). */
static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* Peak RSS. Linux reports ru_maxrss in KiB and keeps it across execve(),
 * so it also covers whatever process exec'd us (getrusage(2)). */
static long long maxrss_bytes(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (long long)ru.ru_maxrss * 1024;
}

/* Current RSS, from the most exact source there is:
 * - /proc/self/smaps_rollup "Rss:" (kB), which walks the page tables;
 * - else /proc/self/statm, 2nd field, in pages (proc(5)): its counters are
 *   cached per thread before Linux 6.2 and lag behind for small processes;
 * - else (a chroot may have no /proc) the getrusage() peak, an upper bound
 *   only (see above), which the harness does not trust: it measures the
 *   workload from the host side whenever it can. */
static long long rss_bytes(const char **source)
{
    char line[256];
    FILE *f = fopen("/proc/self/smaps_rollup", "r");
    if (f) {
        long long kib = -1;
        while (kib < 0 && fgets(line, sizeof line, f))
            if (sscanf(line, "Rss: %lld kB", &kib) != 1)
                kib = -1;
        fclose(f);
        if (kib >= 0) {
            *source = "smaps_rollup";
            return kib * 1024;
        }
    }
    f = fopen("/proc/self/statm", "r");
    if (f) {
        unsigned long long size, resident;
        int n = fscanf(f, "%llu %llu", &size, &resident);
        fclose(f);
        if (n == 2) {
            *source = "statm";
            return (long long)resident * sysconf(_SC_PAGESIZE);
        }
    }
    *source = "rusage";
    return maxrss_bytes();
}

/* xorshift64 (Marsaglia 2003): tiny, fast, same sequence for the same seed. */
static uint64_t xorshift64(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void on_signal(int sig)
{
    g_stop = sig;
}

/* As PID 1 of a container, signals with no handler are simply dropped,
 * so holding modes install their own (sigaction(2)). SIGTERM/SIGINT are
 * kept blocked until hold(), where sigsuspend(2) unblocks them and sleeps
 * atomically: a signal that arrives early is delayed, never lost.
 * Returns the signal mask to sleep with. */
static sigset_t hold_prepare(void)
{
    struct sigaction sa;
    sigset_t block, wait_mask;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0)
        fail("sigaction", errno);
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    if (sigprocmask(SIG_BLOCK, &block, &wait_mask) < 0) fail("sigprocmask", errno);
    sigdelset(&wait_mask, SIGTERM); /* wake even if our parent blocked them */
    sigdelset(&wait_mask, SIGINT);
    return wait_mask;
}

/* The ready line of the holding modes reports how much memory we hold. */
static void print_ready_rss(void)
{
    const char *src;
    long long rss = rss_bytes(&src);
    printf("BENCH event=ready mode=%s pid=%ld rss_bytes=%lld rss_source=%s\n",
           g_mode, (long)getpid(), rss, src);
}

static int hold(const sigset_t *wait_mask)
{
    while (!g_stop)
        sigsuspend(wait_mask); /* returns -1/EINTR once a handler has run */
    printf("BENCH event=stopped mode=%s\n", g_mode);
    return 0;
}

static int mode_ready(int argc, char **argv)
{
    parse_opts(argc, argv, NULL, 0); /* takes no options */
    printf("BENCH event=ready mode=ready pid=%ld\n", (long)getpid());
    return 0;
}

static int mode_cpu(int argc, char **argv)
{
    long long iterations = 20000000;
    const struct opt opts[] = {{"--iterations", &iterations, 1, LLONG_MAX, NULL}};
    parse_opts(argc, argv, opts, 1);
    printf("BENCH event=ready mode=cpu pid=%ld\n", (long)getpid());

    /* Every step needs the previous one (xorshift, multiply, rotate), so
     * the compiler can neither vectorise nor shortcut the loop, and
     * printing the checksum stops it from deleting the loop. */
    uint64_t state = 0x9E3779B97F4A7C15u, acc = 0;
    double t0 = now_s(), c0 = cpu_s();
    for (long long i = 0; i < iterations; i++) {
        acc += xorshift64(&state) * 0x2545F4914F6CDD1Du;
        acc = (acc << 7) | (acc >> 57);
    }
    double t1 = now_s(), c1 = cpu_s();

    /* Hex, so the result parser does not take the checksum for a metric. */
    printf("BENCH event=result mode=cpu iterations=%lld checksum=0x%016" PRIx64
           " elapsed_s=%.9g cpu_s=%.9g\n", iterations, acc, t1 - t0, c1 - c0);
    return 0;
}

static int mode_mem(int argc, char **argv)
{
    long long mib = 64;
    const struct opt opts[] = {{"--mib", &mib, 1, 1024 * 1024, NULL}};
    parse_opts(argc, argv, opts, 1);
    sigset_t wait_mask = hold_prepare();

    /* An anonymous private mapping gets real pages only when first written
     * (mmap(2)), so write one byte per 4 KiB page and time those faults. */
    size_t bytes = (size_t)mib * MIB;
    double t0 = now_s();
    volatile unsigned char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) fail("mmap", errno);
    for (size_t off = 0; off < bytes; off += BLOCK)
        p[off] = 1;
    double touch = now_s() - t0;

    print_ready_rss();
    printf("BENCH event=result mode=mem mib=%lld touch_s=%.9g maxrss_bytes=%lld\n",
           mib, touch, maxrss_bytes());
    return hold(&wait_mask);
}

static int mode_idle(int argc, char **argv)
{
    parse_opts(argc, argv, NULL, 0); /* takes no options */
    sigset_t wait_mask = hold_prepare();
    print_ready_rss();
    printf("BENCH event=result mode=idle maxrss_bytes=%lld\n", maxrss_bytes());
    return hold(&wait_mask);
}

/* pread/pwrite all len bytes at off. Both may transfer less than asked or
 * fail with EINTR (read(2), write(2)), so loop. Returns the bytes moved
 * (fewer than len only when a read hits end of file), or -1 with errno. */
static ssize_t xfer(int fd, unsigned char *buf, size_t len, off_t off, int writing)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = writing ? pwrite(fd, buf + done, len - done, off + (off_t)done)
                            : pread(fd, buf + done, len - done, off + (off_t)done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0 && writing) { /* no progress: would loop forever */
            errno = EIO;
            return -1;
        }
        if (n == 0)
            break; /* end of file */
        done += (size_t)n;
    }
    return (ssize_t)done;
}

/* Give every 4 KiB sector its own tag, so no two sectors are equal and
 * deduplication cannot shrink the file (like fio's scramble_buffers=1).
 * OR-ing 0x01 into each byte keeps the whole buffer non-zero. */
static void stamp_blocks(unsigned char *buf, size_t len, uint64_t block_no)
{
    for (size_t off = 0; off < len; off += BLOCK) {
        uint64_t tag = ((block_no * (MIB / BLOCK) + off / BLOCK + 1) * 0x9E3779B97F4A7C15u)
                       | 0x0101010101010101u;
        memcpy(buf + off, &tag, sizeof tag);
    }
}

/* Open for reading past the page cache with O_DIRECT, like fio direct=1.
 * Filesystems without O_DIRECT say EINVAL, at open(2) or at the first read
 * (so we try one). Then use a buffered fd and drop the file's cached pages
 * first: posix_fadvise(2) POSIX_FADV_DONTNEED drops only clean pages, hence
 * the fdatasync. (On tmpfs/ramfs the page cache *is* the storage.) */
static int open_for_read(const char *path, unsigned char *buf, int *direct)
{
    int fd = open(path, O_RDONLY | O_DIRECT | O_CLOEXEC);
    if (fd >= 0) {
        if (xfer(fd, buf, BLOCK, 0, 0) >= 0) {
            *direct = 1;
            return fd;
        }
        if (errno != EINVAL) fail("read_probe", errno);
        close(fd);
    } else if (errno != EINVAL) {
        fail("open_read", errno);
    }
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail("open_read", errno);
    if (fdatasync(fd) < 0) fail("fdatasync", errno);
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED); /* only advice */
    *direct = 0;
    return fd;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile: sort, then take the ceil(p/100 * n)-th value. */
static double percentile(double *v, size_t n, unsigned p)
{
    qsort(v, n, sizeof *v, cmp_double);
    return v[(p * n + 99) / 100 - 1]; /* n >= 1, so the rank is >= 1 */
}

static int mode_io(int argc, char **argv)
{
    const char *dir = ".";
    long long size_mib = 64, rand_ops = 2000, fsync_ops = 200;
    const struct opt opts[] = {
        {"--dir", NULL, 0, 0, &dir},
        {"--size-mib", &size_mib, 1, 1024 * 1024, NULL},
        {"--rand-ops", &rand_ops, 1, 10000000, NULL}, /* bounds the latency array */
        {"--fsync-ops", &fsync_ops, 1, 10000000, NULL},
    };
    parse_opts(argc, argv, opts, 4);
    long pid = (long)getpid();
    printf("BENCH event=ready mode=io pid=%ld\n", pid);

    char *data_path = g_cleanup[0], *sync_path = g_cleanup[1];
    if (snprintf(data_path, PATH_MAX, "%s/probe-io.%ld.dat", dir, pid) >= PATH_MAX ||
        snprintf(sync_path, PATH_MAX, "%s/probe-fsync.%ld.dat", dir, pid) >= PATH_MAX) {
        data_path[0] = sync_path[0] = '\0'; /* never unlink a truncated name */
        fail("path", ENAMETOOLONG);
    }

    /* One 1 MiB buffer, 4 KiB-aligned as O_DIRECT requires, serves every
     * phase. Random non-zero bytes, so no filesystem can compress it. */
    unsigned char *buf;
    int rc = posix_memalign((void **)&buf, BLOCK, MIB);
    if (rc != 0) fail("alloc", rc);
    double *lat = malloc((size_t)(rand_ops > fsync_ops ? rand_ops : fsync_ops) * sizeof *lat);
    if (!lat) fail("alloc", ENOMEM);
    uint64_t seed = 0x853C49E6748FEA9Bu;
    for (size_t i = 0; i < MIB; i++)
        buf[i] = (unsigned char)(1 + xorshift64(&seed) % 255);

    /* a. Sequential write in 1 MiB blocks; the closing fsync is part of
     *    the time (fio rw=write bs=1m end_fsync=1). fsync() needs no EINTR
     *    loop: this mode installs no signal handlers to interrupt it. */
    int fd = open(data_path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0) fail("open_write", errno);
    double t0 = now_s();
    for (long long b = 0; b < size_mib; b++) {
        stamp_blocks(buf, MIB, (uint64_t)b);
        if (xfer(fd, buf, MIB, (off_t)b * MIB, 1) < 0) fail("seq_write", errno);
    }
    if (fsync(fd) < 0) fail("seq_fsync", errno);
    double seq_write = (double)size_mib / (now_s() - t0);
    close(fd);

    /* b. Sequential read of the whole file (fio rw=read bs=1m direct=1). */
    int direct, direct_rand;
    fd = open_for_read(data_path, buf, &direct);
    t0 = now_s();
    for (long long b = 0; b < size_mib; b++) {
        ssize_t n = xfer(fd, buf, MIB, (off_t)b * MIB, 0);
        if (n != MIB) /* short: the file shrank under us */
            fail("seq_read", n < 0 ? errno : EIO);
    }
    double seq_read = (double)size_mib / (now_s() - t0);
    close(fd);

    /* c. Random aligned 4 KiB reads, one at a time (fio rw=randread bs=4k
     *    iodepth=1). A fixed seed makes every run read the same offsets. */
    fd = open_for_read(data_path, buf, &direct_rand);
    uint64_t nsectors = (uint64_t)size_mib * (MIB / BLOCK);
    seed = 0x2545F4914F6CDD1Du;
    t0 = now_s();
    for (long long i = 0; i < rand_ops; i++) {
        off_t off = (off_t)(xorshift64(&seed) % nsectors) * BLOCK;
        double s = now_s();
        ssize_t n = xfer(fd, buf, BLOCK, off, 0);
        lat[i] = (now_s() - s) * 1e6;
        if (n != BLOCK) fail("rand_read", n < 0 ? errno : EIO);
    }
    double rand_iops = (double)rand_ops / (now_s() - t0);
    close(fd);
    double rand_p50 = percentile(lat, (size_t)rand_ops, 50);
    double rand_p99 = percentile(lat, (size_t)rand_ops, 99);

    /* d. Durable small writes, as a database commit does: rewrite 4 KiB at
     *    offset 0, then fsync, each op timed (fio rw=write bs=4k fsync=1). */
    fd = open(sync_path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0) fail("open_fsync", errno);
    for (long long i = 0; i < fsync_ops; i++) {
        stamp_blocks(buf, BLOCK, (uint64_t)i); /* new content every time */
        double s = now_s();
        if (xfer(fd, buf, BLOCK, 0, 1) < 0) fail("fsync_write", errno);
        if (fsync(fd) < 0) fail("fsync", errno);
        lat[i] = (now_s() - s) * 1e6;
    }
    close(fd);
    double fsync_p50 = percentile(lat, (size_t)fsync_ops, 50);
    double fsync_p99 = percentile(lat, (size_t)fsync_ops, 99);

    /* e. Leave nothing behind. */
    if (unlink(data_path) < 0 || unlink(sync_path) < 0) fail("unlink", errno);
    data_path[0] = sync_path[0] = '\0';
    free(lat);
    free(buf);

    printf("BENCH event=result mode=io size_mib=%lld direct=%d"
           " seq_write_mib_s=%.9g seq_read_mib_s=%.9g rand_read_iops=%.9g"
           " rand_read_p50_us=%.9g rand_read_p99_us=%.9g"
           " fsync_p50_us=%.9g fsync_p99_us=%.9g\n",
           size_mib, direct && direct_rand, seq_write, seq_read, rand_iops,
           rand_p50, rand_p99, fsync_p50, fsync_p99);
    return 0;
}

/* The classic chroot escape (chroot(2), NOTES): chroot into a subdirectory
 * *without* entering it, so the working directory is left outside the new
 * root; ".." from there is not stopped at the root, so climbing up reaches
 * the real "/", and chroot(".") makes it the root again. It works wherever
 * the process keeps CAP_SYS_CHROOT and its root is only a chroot. Reports
 * whether "/" is a different directory afterwards (escaped=1). */
static int mode_escape(int argc, char **argv)
{
    parse_opts(argc, argv, NULL, 0); /* takes no options */
    printf("BENCH event=ready mode=escape pid=%ld\n", (long)getpid());
    struct stat before, after;
    if (stat("/", &before) < 0)
        fail("stat", errno);
    char dir[64];
    snprintf(dir, sizeof dir, "/tmp/probe-escape.%ld", (long)getpid());
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        fail("mkdir", errno);
    int escaped = 0, err = 0;
    if (chroot(dir) < 0) {
        err = errno; /* no CAP_SYS_CHROOT: the escape cannot even start */
    } else {
        for (int i = 0; i < 256; i++)
            if (chdir("..") < 0)
                break;
        if (chroot(".") < 0)
            err = errno;
        else if (stat("/", &after) == 0)
            escaped = before.st_dev != after.st_dev || before.st_ino != after.st_ino;
    }
    /* Relative to wherever "/" is now: if we escaped, the directory is inside the old root. */
    rmdir(dir);
    printf("BENCH event=result mode=escape escaped=%d errno=%d\n", escaped, err);
    return 0;
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(int argc, char **argv);
    } modes[] = {{"ready", mode_ready}, {"cpu", mode_cpu}, {"mem", mode_mem},
                 {"idle", mode_idle}, {"io", mode_io}, {"escape", mode_escape}};

    /* Line-buffered even into a pipe or serial console, so the host sees
     * each line, and when it was printed, at once (setvbuf(3)). */
    setvbuf(stdout, NULL, _IOLBF, 0);

    if (argc < 2 || strcmp(argv[1], "--help") == 0)
        usage();
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
        if (strcmp(argv[1], modes[m].name) == 0) {
            g_mode = modes[m].name;
            return modes[m].run(argc - 2, argv + 2);
        }
    }
    die_usage("unknown mode '%s'", argv[1]);
}

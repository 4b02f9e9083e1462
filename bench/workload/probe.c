/*
 * probe.c - the one workload binary of the benchmark suite: main() and the
 * helpers every mode shares.
 *
 * The same static binary runs natively, in a chroot, in containers and in
 * VMs, so any difference in its numbers comes from the isolation, not from
 * the workload. Build:  gcc -O2 -static -Wall -Wextra -o probe *.c
 *
 * Usage:  probe MODE [--option value ...]
 *   ready                  print the ready line and exit (measures start-up)
 *   cpu  [--iterations N]  integer mixing loop                 (20000000)
 *   mem  [--mib N]         touch N MiB of fresh memory, hold   (64)
 *   idle                   report own memory use, hold
 *   io   [--dir D] [--size-mib N] [--rand-ops N] [--fsync-ops N]
 *                          storage test, fio-like              (. 64 2000 200)
 *   escape                 try the classic chroot escape, report if it worked
 *   iso  [KEY=VALUE ...]   try every escape and limit check of the isolation
 *                          scorecard, one result line per check (see iso.c)
 *   target [--socket NAME] a host-side target for iso: listen on an abstract
 *                          unix socket, then hold (run natively by the harness)
 *   syscalls [--min-ms N] [--rounds N]
 *                          ns per system call, file open, page fault, pipe
 *                          round trip and fork (see syscalls.c)   (20 5)
 *
 * One file per mode, named after it (ready.c, cpu.c, mem.c, idle.c, io.c,
 * escape.c, iso.c, target.c, syscalls.c), each opening with what it measures and why;
 * probe.h declares what they share.
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
#include "probe.h"

#include <stdarg.h>

const char *g_mode = "none";         /* for error lines */
char g_cleanup[2][PATH_MAX];         /* io files to unlink if we fail */
static volatile sig_atomic_t g_stop; /* set by the signal handler */

/* Run the mode that argv[1] names; its return value is the exit status. */
int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(int argc, char **argv);
    } modes[] = {{"ready", mode_ready}, {"cpu", mode_cpu}, {"mem", mode_mem},
                 {"idle", mode_idle}, {"io", mode_io}, {"escape", mode_escape},
                 {"iso", mode_iso}, {"target", mode_target},
                 {"syscalls", mode_syscalls}};

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

void usage(void)
{
    fputs("usage: probe MODE [--option value ...]\n"
          "  ready | idle | escape | iso [KEY=VALUE ...] | target [--socket NAME]\n"
          "  cpu [--iterations N]   mem [--mib N]   syscalls [--min-ms N] [--rounds N]\n"
          "  io  [--dir D] [--size-mib N] [--rand-ops N] [--fsync-ops N]\n",
          stderr);
    exit(2);
}

void die_usage(const char *fmt, ...)
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
void fail(const char *what, int err)
{
    printf("BENCH event=error mode=%s errno=%d what=%s\n", g_mode, err, what);
    fprintf(stderr, "probe: %s: %s: %s\n", g_mode, what, strerror(err));
    for (int i = 0; i < 2; i++)
        if (g_cleanup[i][0])
            unlink(g_cleanup[i]);
    exit(1);
}

/* A whole decimal number in [min, max]; anything else is a usage error. */
long long parse_count(const char *opt, const char *s,
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

void parse_opts(int argc, char **argv, const struct opt *opts, int n)
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

/* Peak RSS. Linux reports ru_maxrss in KiB and keeps it across execve(),
 * so it also covers whatever process exec'd us (getrusage(2)). */
long long maxrss_bytes(void)
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

static void on_signal(int sig)
{
    g_stop = sig;
}

/* As PID 1 of a container, signals with no handler are simply dropped,
 * so holding modes install their own (sigaction(2)). SIGTERM/SIGINT are
 * kept blocked until hold(), where sigsuspend(2) unblocks them and sleeps
 * atomically: a signal that arrives early is delayed, never lost.
 * Returns the signal mask to sleep with. */
sigset_t hold_prepare(void)
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
void print_ready_rss(void)
{
    const char *src;
    long long rss = rss_bytes(&src);
    printf("BENCH event=ready mode=%s pid=%ld rss_bytes=%lld rss_source=%s\n",
           g_mode, (long)getpid(), rss, src);
}

int hold(const sigset_t *wait_mask)
{
    while (!g_stop)
        sigsuspend(wait_mask); /* returns -1/EINTR once a handler has run */
    printf("BENCH event=stopped mode=%s\n", g_mode);
    return 0;
}

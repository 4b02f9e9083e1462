/*
 * syscalls.c - mode "syscalls": what crossing into the kernel costs, per operation.
 *
 * CPU-bound work runs at the same speed under every isolation; what tells a
 * container, a gVisor sandbox and a VM apart is the price of each trip into
 * a kernel (scenarios/syscalls.toml). Six operations, from the cheapest to
 * the dearest, each timed on its own:
 *
 *   getppid          a system call that does nothing: the bare entry and exit
 *   open_close       open(2) + close(2) of a file of the image (path lookup)
 *   stat             stat(2) of that file
 *   page_fault       mmap(2) 4 KiB, touch it (a page fault), munmap(2)
 *   pipe_round_trip  one byte to another process and back through two pipes:
 *                    two context switches
 *   fork_exit_wait   fork(2), the child _exit(2)s, waitpid(2) in the parent
 *
 * Each is timed like timeit's autorange: the batch size doubles until one
 * batch takes --min-ms, then --rounds batches of that size are timed and the
 * median batch's time per operation is reported, so one run's figure is not
 * one unlucky batch. The harness repeats runs for the spread.
 *
 * Prints, after its ready line:
 *   BENCH event=result mode=syscalls getppid_ns=T open_close_ns=T stat_ns=T
 *         page_fault_ns=T pipe_round_trip_ns=T fork_exit_wait_ns=T
 */
#include "probe.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define MAX_ROUNDS 15
#define FILE_IN_IMAGE "/bin/busybox" /* in every image, on the instance's own root */

/* The pipe pair of the round-trip test: the parent writes to_child, reads from_child. */
static int to_child[2], from_child[2];

static void op_getppid(void)
{
    syscall(SYS_getppid); /* straight to the kernel: no libc wrapper may answer from a cache */
}

static void op_open_close(void)
{
    int fd = open(FILE_IN_IMAGE, O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail("open", errno);
    close(fd);
}

static void op_stat(void)
{
    struct stat st;
    if (stat(FILE_IN_IMAGE, &st) < 0) fail("stat", errno);
}

static void op_page_fault(void)
{
    volatile char *page = mmap(NULL, BLOCK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) fail("mmap", errno);
    page[0] = 1; /* the first write gets the page: the fault */
    munmap((void *)page, BLOCK);
}

static void op_pipe_round_trip(void)
{
    char byte = 'x';
    if (write(to_child[1], &byte, 1) != 1 || read(from_child[0], &byte, 1) != 1) fail("pipe", errno);
}

static void op_fork_exit_wait(void)
{
    pid_t pid = fork();
    if (pid < 0) fail("fork", errno);
    if (pid == 0) _exit(0);
    if (waitpid(pid, NULL, 0) < 0) fail("waitpid", errno);
}

/* The child of the round-trip test: echo every byte back until the pipe closes. */
static pid_t start_echo(void)
{
    if (pipe(to_child) < 0 || pipe(from_child) < 0) fail("pipe", errno);
    pid_t pid = fork();
    if (pid < 0) fail("fork", errno);
    if (pid == 0) {
        char byte;
        close(to_child[1]);
        close(from_child[0]);
        while (read(to_child[0], &byte, 1) == 1)
            if (write(from_child[1], &byte, 1) != 1) _exit(1);
        _exit(0);
    }
    close(to_child[0]);
    close(from_child[1]);
    return pid;
}

static void stop_echo(pid_t pid)
{
    close(to_child[1]); /* the child reads end of file and exits */
    close(from_child[0]);
    waitpid(pid, NULL, 0);
}

static double batch_s(void (*op)(void), long long n)
{
    double t0 = now_s();
    for (long long i = 0; i < n; i++) op();
    return now_s() - t0;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nanoseconds per call of ``op``: the median of ``rounds`` batches, each at least ``min_s`` long. */
static double ns_per_op(void (*op)(void), double min_s, int rounds)
{
    long long n = 1;
    while (batch_s(op, n) < min_s && n < (1LL << 40)) n *= 2; /* also warms caches and the TLB */
    double per_op[MAX_ROUNDS];
    for (int r = 0; r < rounds; r++) per_op[r] = batch_s(op, n) / (double)n;
    qsort(per_op, (size_t)rounds, sizeof per_op[0], by_value);
    return per_op[rounds / 2] * 1e9;
}

int mode_syscalls(int argc, char **argv)
{
    long long min_ms = 20, rounds = 5;
    const struct opt opts[] = {{"--min-ms", &min_ms, 1, 10000, NULL},
                               {"--rounds", &rounds, 1, MAX_ROUNDS, NULL}};
    parse_opts(argc, argv, opts, 2);
    printf("BENCH event=ready mode=syscalls pid=%ld\n", (long)getpid());

    double min_s = (double)min_ms / 1e3;
    int n = (int)rounds;
    double getppid_ns = ns_per_op(op_getppid, min_s, n);
    double open_close_ns = ns_per_op(op_open_close, min_s, n);
    double stat_ns = ns_per_op(op_stat, min_s, n);
    double page_fault_ns = ns_per_op(op_page_fault, min_s, n);
    pid_t echo = start_echo();
    double pipe_ns = ns_per_op(op_pipe_round_trip, min_s, n);
    stop_echo(echo);
    double fork_ns = ns_per_op(op_fork_exit_wait, min_s, n);

    printf("BENCH event=result mode=syscalls getppid_ns=%.9g open_close_ns=%.9g stat_ns=%.9g page_fault_ns=%.9g"
           " pipe_round_trip_ns=%.9g fork_exit_wait_ns=%.9g\n",
           getppid_ns, open_close_ns, stat_ns, page_fault_ns, pipe_ns, fork_ns);
    return 0;
}

/*
 * probe.h - what the probe's modes share: the error and option helpers,
 * the clocks, the holding of memory until SIGTERM, and each mode's entry.
 *
 * probe.c defines the helpers and main(); each mode lives in its own file
 * (ready.c, cpu.c, mem.c, idle.c, io.c, escape.c, iso.c, target.c). What the
 * probe prints, and how the harness reads it, is described in probe.c.
 *
 * Every file includes this header first: _GNU_SOURCE must come before any
 * system header to have effect.
 */
#ifndef PROBE_H
#define PROBE_H

#define _GNU_SOURCE /* for O_DIRECT, strerrorname_np */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024 * 1024)
#define BLOCK 4096 /* page size, and the O_DIRECT alignment used throughout */

extern const char *g_mode;            /* the running mode's name, for error lines */
extern char g_cleanup[2][PATH_MAX];   /* io files to unlink if we fail */

/* Bad command line: usage() prints the summary, die_usage() one message; both exit 2. */
void usage(void);
__attribute__((format(printf, 1, 2), noreturn))
void die_usage(const char *fmt, ...);

/* Runtime failure: one machine-readable line, one human line, exit 1. */
__attribute__((noreturn))
void fail(const char *what, int err);

/* A whole decimal number in [min, max]; anything else is a usage error. */
long long parse_count(const char *opt, const char *s, long long min, long long max);

/* One "--name value" option: a number in [min, max], or a string. */
struct opt {
    const char *name;
    long long *num, min, max;
    const char **str;
};

void parse_opts(int argc, char **argv, const struct opt *opts, int n);

/* The clocks and the random numbers are inline here, not in probe.c: the
 * timed loops of cpu, io and iso call them, and a call into another file
 * could not be inlined, which would add its cost to what they measure. */

/* Wall time that never jumps backwards (clock_gettime(2) CLOCK_MONOTONIC). */
static inline double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time used by this process, user + system (getrusage(2)). */
static inline double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* xorshift64 (Marsaglia 2003): tiny, fast, same sequence for the same seed. */
static inline uint64_t xorshift64(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Peak RSS in bytes, from getrusage(2) (see probe.c for its limits). */
long long maxrss_bytes(void);

/* The holding modes (mem, idle, target): hold_prepare() first, then the
 * ready line, then hold() until SIGTERM or SIGINT (see probe.c). */
sigset_t hold_prepare(void);
void print_ready_rss(void);
int hold(const sigset_t *wait_mask);

/* One function per mode: argc/argv are the words after the mode's name;
 * the return value is the exit status. */
int mode_ready(int argc, char **argv);
int mode_cpu(int argc, char **argv);
int mode_mem(int argc, char **argv);
int mode_idle(int argc, char **argv);
int mode_io(int argc, char **argv);
int mode_escape(int argc, char **argv);
int mode_iso(int argc, char **argv);
int mode_target(int argc, char **argv);
int mode_syscalls(int argc, char **argv);

#endif

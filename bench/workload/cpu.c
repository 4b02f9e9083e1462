/*
 * cpu.c - mode "cpu": a fixed amount of integer work, timed.
 *
 * Measures what the isolation costs a CPU-bound program (scenarios/cpu.toml):
 * namespaces and cgroups should cost nothing, a VM a little (with KVM) or a
 * lot (emulated with TCG). The work is the same every run, which the
 * checksum shows, so only the wall and CPU time may differ.
 *
 * Prints, after its ready line:
 *   BENCH event=result mode=cpu iterations=N checksum=0x... elapsed_s=T cpu_s=T
 */
#include "probe.h"

#include <inttypes.h>

int mode_cpu(int argc, char **argv)
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

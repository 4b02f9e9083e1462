/*
 * idle.c - mode "idle": report the probe's own memory, then hold still.
 *
 * Measures what an instance costs when its workload does nothing
 * (scenarios/memory.toml, scenarios/density.toml): the harness starts one
 * or many idle probes and reads the host's memory while they hold, then
 * subtracts the probe's own (rss_bytes) to leave the runtime's overhead.
 *
 * Prints:  BENCH event=ready mode=idle pid=P rss_bytes=B rss_source=S
 *          BENCH event=result mode=idle maxrss_bytes=B
 *          BENCH event=stopped mode=idle  (on SIGTERM or SIGINT)
 */
#include "probe.h"

int mode_idle(int argc, char **argv)
{
    parse_opts(argc, argv, NULL, 0); /* takes no options */
    sigset_t wait_mask = hold_prepare();
    print_ready_rss();
    printf("BENCH event=result mode=idle maxrss_bytes=%lld\n", maxrss_bytes());
    return hold(&wait_mask);
}

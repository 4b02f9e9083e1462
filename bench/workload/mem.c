/*
 * mem.c - mode "mem": take N MiB of fresh memory, touch every page, hold.
 *
 * Measures how fast an instance gets fresh memory (touch_s: the page faults
 * of every page), and is a workload of known size: its ready line comes only
 * once the N MiB are in place, so whatever the host sees beyond them is the
 * instance's overhead. Asked for more than a memory limit allows, it shows
 * the limit at work (the probe is killed). It holds the memory until SIGTERM,
 * so the harness can measure while it is held.
 *
 * Prints:  BENCH event=ready mode=mem pid=P rss_bytes=B rss_source=S
 *          (after the memory is touched)
 *          BENCH event=result mode=mem mib=N touch_s=T maxrss_bytes=B
 *          BENCH event=stopped mode=mem  (on SIGTERM or SIGINT)
 */
#include "probe.h"

#include <sys/mman.h>

int mode_mem(int argc, char **argv)
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

/*
 * ready.c - mode "ready": print the ready line and exit, doing nothing else.
 *
 * Measures start-up (scenarios/startup.toml). With no work in the probe,
 * the time from the harness's launch call to this line reaching the host,
 * and on to the exit, is what the runtime itself takes to start and to
 * tear down a process, a chroot, a container or a VM.
 *
 * Prints:  BENCH event=ready mode=ready pid=P
 */
#include "probe.h"

int mode_ready(int argc, char **argv)
{
    parse_opts(argc, argv, NULL, 0); /* takes no options */
    printf("BENCH event=ready mode=ready pid=%ld\n", (long)getpid());
    return 0;
}

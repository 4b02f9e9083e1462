/*
 * target.c - mode "target": the host side's target for mode iso.
 *
 * Measures nothing itself: the harness (bench/isolation.py) runs it natively,
 * on the host, as the process that iso's checks try to find, signal and
 * trace from inside an instance, listening on an abstract unix socket that
 * they try to connect to. It holds until SIGTERM like idle, and dies with
 * the harness that started it, so a killed run leaves no target behind.
 *
 * Prints:  BENCH event=ready mode=target pid=P
 *          BENCH event=stopped mode=target  (on SIGTERM or SIGINT)
 */
#include "probe.h"

#include <stddef.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>

int mode_target(int argc, char **argv)
{
    const char *name = NULL;
    const struct opt opts[] = {{"--socket", NULL, 0, 0, &name}};
    parse_opts(argc, argv, opts, 1);
    /* Die with the harness that started us, however it dies (prctl(2)). */
    pid_t parent = getppid();
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0) fail("prctl", errno);
    if (getppid() != parent) return 0; /* it died before the line above */
    sigset_t wait_mask = hold_prepare();
    if (name) {
        struct sockaddr_un addr = {.sun_family = AF_UNIX};
        size_t n = strlen(name);
        if (n + 1 > sizeof addr.sun_path) die_usage("--socket: name longer than %zu bytes", sizeof addr.sun_path - 2);
        memcpy(addr.sun_path + 1, name, n);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) fail("socket", errno);
        if (bind(fd, (struct sockaddr *)&addr, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)) < 0)
            fail("bind", errno);
        if (listen(fd, 64) < 0) fail("listen", errno);
    }
    printf("BENCH event=ready mode=target pid=%ld\n", (long)getpid());
    return hold(&wait_mask);
}

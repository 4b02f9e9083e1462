/*
 * escape.c - mode "escape": the classic chroot escape, alone.
 *
 * Shows why a chroot is not a container: root inside one gets out with a few
 * system calls. The same attempt, with every other one of the isolation
 * scorecard, is check root_escape of mode iso (iso.c); this mode is the
 * attempt on its own, short enough to read in one go.
 *
 * How (chroot(2), NOTES): chroot into a subdirectory *without* entering it,
 * so the working directory is left outside the new root; ".." from there is
 * not stopped at the root, so climbing up reaches the real "/", and
 * chroot(".") makes it the root again. It works wherever the process keeps
 * CAP_SYS_CHROOT and its root is only a chroot. Reports whether "/" is a
 * different directory afterwards (escaped=1).
 *
 * Prints, after its ready line:
 *   BENCH event=result mode=escape escaped=0|1 errno=N
 */
#include "probe.h"

#include <sys/stat.h>

int mode_escape(int argc, char **argv)
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

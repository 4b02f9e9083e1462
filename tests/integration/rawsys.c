/* rawsys: make one raw system call and print how the kernel answered, for the seccomp tests.
 *
 *   rawsys NR [ARG...]   syscall(NR, ARG...), up to six integer arguments (decimal, or hex with 0x);
 *                        prints "ret=R errno=E" (E is 0 when the call succeeded)
 *   rawsys int80 NR      call NR through the i386 convention (int $0x80), with no arguments
 *   rawsys x32 NR        call NR through the x32 convention (NR | __X32_SYSCALL_BIT)
 *
 * A call the filter kills prints nothing: the shell sees 128 + SIGSYS (31).
 * A clone that succeeds (no stack given: it returns twice, like fork) ends
 * its child at once and waits for it.
 * The shell cannot do this itself: busybox has no way to pass a flag to
 * clone(2) or to pick a calling convention (syscall(2), seccomp(2)).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define X32_SYSCALL_BIT 0x40000000L

static long int80(long nr)
{
    long ret;
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr) : "memory");
    return ret;
}

static long x32(long nr)
{
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(nr | X32_SYSCALL_BIT) : "rcx", "r11", "memory");
    return ret;
}

static void report(long ret)
{
    /* Raw conventions return -errno in the register; syscall(3) sets errno. */
    printf("ret=%ld errno=%d\n", ret < 0 && ret > -4096 ? -1 : ret, ret < 0 && ret > -4096 ? (int)-ret : 0);
}

int main(int argc, char **argv)
{
    /* A killed process would dump core into the container: not wanted. */
    struct rlimit none = {0, 0};
    setrlimit(RLIMIT_CORE, &none);

    if (argc == 3 && strcmp(argv[1], "int80") == 0) {
        report(int80(strtol(argv[2], NULL, 0)));
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "x32") == 0) {
        report(x32(strtol(argv[2], NULL, 0)));
        return 0;
    }
    if (argc < 2 || argc > 8) {
        fprintf(stderr, "usage: rawsys NR [ARG...] | rawsys int80 NR | rawsys x32 NR\n");
        return 2;
    }
    long nr = strtol(argv[1], NULL, 0), a[6] = {0};
    for (int i = 2; i < argc; i++)
        a[i - 2] = (long)strtoull(argv[i], NULL, 0);
    errno = 0;
    long ret = syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    if (nr == SYS_clone && ret == 0)
        _exit(0); /* the child */
    if (nr == SYS_clone && ret > 0)
        waitpid(ret, NULL, __WALL);
    printf("ret=%ld errno=%d\n", ret, ret == -1 ? errno : 0);
    return 0;
}

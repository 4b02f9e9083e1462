/*
 * box-init: the first process (PID 1) of every box container.
 *
 * In a new PID namespace the first process has two jobs the kernel gives to
 * no one else (pid_namespaces(7)):
 *   - reap zombies: orphans in the namespace are re-parented to PID 1, and
 *     if nobody waits for them they stay in the process table forever;
 *   - handle signals: PID 1 only receives signals it has a handler for, so
 *     a workload like `sleep` as PID 1 would ignore `box stop`'s SIGTERM.
 * box-init does both for the command it starts, the way tini and
 * docker-init do, and then gets out of the way: one small static process.
 *
 *   box-init [--status-fd N] [--tty] -- COMMAND [ARG...]
 *
 * --status-fd N  write "exit=CODE\n" to fd N when COMMAND ends, so the host
 *                knows the exit code of a detached container with no
 *                supervisor waiting for it.
 * --tty          make COMMAND a session leader with stdin as its
 *                controlling terminal, so Ctrl-C on the terminal reaches it.
 *
 * Two doors box-init keeps shut, because the command runs as the same root
 * in the same namespaces and could otherwise reach into it:
 *   - it marks itself non-dumpable (prctl(2), PR_SET_DUMPABLE), so its
 *     /proc/1/fd, /proc/1/exe and memory are no longer open to processes
 *     without CAP_SYS_PTRACE (proc(5), "ptrace access mode"): the status fd
 *     leads to a file in box's store on the host;
 *   - the command does not inherit the status fd (close-on-exec).
 *
 * Exit status: COMMAND's own; 128+N if a signal N killed it; 127 when it
 * cannot be found and 126 when it cannot be run (as shells do); 125 for a
 * usage error of box-init itself.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* Signals passed on to the command; SIGCHLD is ours, for reaping. */
static const int FORWARDED[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT};

static int usage(void)
{
    fprintf(stderr, "usage: box-init [--status-fd N] [--tty] -- COMMAND [ARG...]\n");
    return 125;
}

/* In the child: undo our signal blocking, then become COMMAND. */
static void exec_command(char **argv, int tty, const sigset_t *original)
{
    sigprocmask(SIG_SETMASK, original, NULL);
    if (tty) {
        setsid();                      /* a new session, so it can own a terminal */
        ioctl(STDIN_FILENO, TIOCSCTTY, 0);
    }
    execvp(argv[0], argv);
    int err = errno;
    fprintf(stderr, "box: exec %s: %s\n", argv[0], strerror(err));
    _exit(err == ENOENT ? 127 : 126);
}

/* Reap every exited child; return the main child's status once it is gone. */
static int reap(pid_t main_child, int *main_status)
{
    int status, done = 0;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        if (pid == main_child) {
            *main_status = status;
            done = 1;
        }
    }
    return done;
}

int main(int argc, char **argv)
{
    int status_fd = -1, tty = 0, i = 1;
    for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--status-fd") == 0 && i + 1 < argc)
            status_fd = atoi(argv[++i]);
        else if (strcmp(argv[i], "--tty") == 0)
            tty = 1;
        else
            return usage();
    }
    if (i + 1 >= argc)
        return usage();
    char **command = &argv[i + 1];

    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
        perror("box-init: prctl(PR_SET_DUMPABLE)");
        return 125;
    }
    if (status_fd >= 0 && fcntl(status_fd, F_SETFD, FD_CLOEXEC) < 0) {
        perror("box-init: status fd");
        return 125;
    }

    /* Block the signals we handle before forking, so none is lost between
     * fork and the wait loop; sigwaitinfo(2) then takes them one by one. */
    sigset_t handled, original;
    sigemptyset(&handled);
    sigaddset(&handled, SIGCHLD);
    for (size_t k = 0; k < sizeof FORWARDED / sizeof FORWARDED[0]; k++)
        sigaddset(&handled, FORWARDED[k]);
    sigprocmask(SIG_BLOCK, &handled, &original);

    pid_t child = fork();
    if (child < 0) {
        perror("box-init: fork");
        return 125;
    }
    if (child == 0)
        exec_command(command, tty, &original);

    int status = 0;
    for (;;) {
        int sig = sigwaitinfo(&handled, NULL);
        if (sig == SIGCHLD) {
            if (reap(child, &status))
                break;
        } else if (sig > 0) {
            kill(child, sig);
        }
    }

    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (status_fd >= 0)
        dprintf(status_fd, "exit=%d\n", code);
    /* Returning ends PID 1; the kernel then kills anything left in the
     * namespace, so no process outlives its container. */
    return code;
}

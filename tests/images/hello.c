/* The class's "hello-world" image: one static program, the image's only file.
 *
 * tests/classroom.py builds it and pushes it to the class's registry as
 * library/hello-world, so `docker run hello-world` and `box run hello-world`
 * work without Docker Hub. It prints what just happened, then exits 0.
 * One write(2): nothing buffered, so nothing is lost if the container is killed.
 */
#include <string.h>
#include <unistd.h>

static const char message[] =
    "Hello from a container!\n"
    "\n"
    "This text comes from the only file of the image hello-world, which was\n"
    "pulled from the class's registry and started as a process that the kernel\n"
    "gives its own view of the machine: its own PIDs, host name, network and\n"
    "mounts (namespaces), its own limits (cgroups) and its own files (OverlayFS).\n"
    "The process has exited; \"ps -a\" still lists the container it ran in.\n";

int main(void)
{
    return write(STDOUT_FILENO, message, strlen(message)) == (ssize_t)strlen(message) ? 0 : 1;
}

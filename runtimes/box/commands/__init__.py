"""box's verbs, one small module each (crun's one-file-per-command layout), over the engine in container.py.

``runtimes/box/cli.py`` reads the verb from the command line and imports
only its module, so `box run` loads neither the image puller nor the
listings, and no command-line library: every module imported is part of
`box run`'s start-up time, which ``make perf`` measures against `runc run`.
Where to look:

- ``options.py``  the Docker-style option parser every verb declares its flags with (and its --help)
- ``values.py``   checking option values: sizes, volumes, names, hostnames, CPUs, KEY=VALUE
- ``common.py``   what several verbs share: the engine (root only), Docker's "daemon refused" exit 1
- ``attach.py``   a foreground container's terminal or pipes, signals passed on, setup errors
- ``run.py``      `box run` (create + start, attached or detached, --rm)
- ``ps.py`` ``rm.py`` ``stop.py`` ``prune.py`` ``logs.py`` ``exec.py`` ``inspect.py``   containers
- ``images.py`` ``rmi.py`` ``pull.py`` ``import_.py``   images; ``version.py`` what box runs on

``VERBS`` names each verb's module and its one-line summary, so `box --help`
lists them without importing any.
"""

from __future__ import annotations

# verb → (module under runtimes.box.commands, summary for `box --help`); "container prune" is a sub-verb.
VERBS: dict[str, tuple[str, str]] = {
    "run": ("run", "Create and start a container from IMAGE"),
    "ps": ("ps", "List containers"),
    "exec": ("exec", "Run a command in a running container"),
    "logs": ("logs", "Show what a detached container printed"),
    "stop": ("stop", "Stop running containers (SIGTERM, then SIGKILL)"),
    "rm": ("rm", "Remove containers"),
    "inspect": ("inspect", "Low-level information on containers or images, as JSON"),
    "container prune": ("prune", "Remove all stopped containers"),
    "images": ("images", "List images"),
    "pull": ("pull", "Download an image from a registry (Docker Hub unless NAME starts with a registry host)"),
    "import": ("import_", "Make an image from a root filesystem directory or tarball"),
    "rmi": ("rmi", "Remove images (tags, then layers nothing else uses)"),
    "version": ("version", "Show box's version and what it runs on"),
}
GROUPS = {"container": "Manage containers"}

"""``python -m runtimes.openvz`` runs the `vz` command."""

from runtimes.openvz.cli import main

main()

"""``python -m runtimes.box`` runs the `box` command."""

from runtimes.box.cli import main

main()

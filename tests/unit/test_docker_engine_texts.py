"""Everything runtimes/peers/docker_engine.py and the report's daemon section write reads in Spanish too."""

from __future__ import annotations

from bench.report.i18n import Catalogue
from bench.report.texts import TEXTS
from runtimes.peers import docker
from tests.unit.test_report_stored_es import _spanish_stored, _spanish_value

# Each reason DockerEngine gives when it cannot start, as its code writes it (no tool output inside).
REASONS = [
    "dockerd is not installed (sudo scripts/provision installs docker.io)",
    "dockerd exited with status 1: no output",
    "dockerd did not answer within 60 s: no output",
    "another run's dockerd holds /run/isobench-dockerd (bench clean stops it)",
    "`systemctl start docker.service` failed: no output",
]


def test_every_reason_the_engine_gives_reads_in_spanish() -> None:
    for reason in REASONS:
        _spanish_stored(reason)
        _spanish_stored(f"the suite could not start a Docker engine: {reason}")  # Docker.available's wording
    _spanish_value(docker.START_HINT)


def test_the_daemon_section_reads_in_spanish() -> None:
    for code in ("daemons.heading", "daemons.explain", "daemons.daemon", "daemons.none", "daemons.all",
                 "daemons.memory"):
        assert TEXTS[code].es and TEXTS[code].es != TEXTS[code].en, code


def test_the_engine_facts_in_the_host_table_read_in_spanish() -> None:
    from bench import metadata as md

    t = Catalogue("es")
    for key in ("service.docker.answering", "service.docker.how", "service.docker.reason", "service.docker.options"):
        assert t(md.label(key)) != md.label(key), key
    for how in ("already running", "dockerd started by the suite"):
        assert t.value(md.format_value("service.docker.how", how)) != how
    assert t.value(md.format_value("service.docker.answering", "True")) == "sí"

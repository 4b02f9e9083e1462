"""The terminal summary at the end of `bench run` fits 100 columns, each figure's label on one line.

Rendered by rich, as `bench run` prints it, from the stored full run of this host (16 runtimes).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from rich.console import Console

from bench.report.summary import summary_table
from bench.report.text import rich_table, short_label, summary_rows
from bench.store import Store

FULL_RUN = Path(__file__).resolve().parents[1] / "data" / "full-run-quick.sqlite"


def test_the_summary_of_a_full_run_fits_100_columns_with_whole_figure_labels(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    shutil.copyfile(FULL_RUN, tmp_path / "isobench.sqlite")
    with Store(tmp_path / "isobench.sqlite") as store:
        data = store.load(None)
    with open(tmp_path / "out.txt", "w") as out:
        console = Console(record=True, file=out)  # its width from COLUMNS, as in a terminal
        console.print(rich_table(data, summary_table(data)))
    lines = console.export_text().splitlines()
    assert console.width == 100 and max(len(line) for line in lines) <= 100
    labels = {row[1] for row in summary_rows(data, summary_table(data))}
    shown = {word for line in lines for word in line.split()}
    assert {"ready", "host_pss", "pipe_round_trip", "seq_write"} <= labels
    assert labels <= shown, "whole labels, never broken across lines"


def test_a_short_label_is_the_metric_without_its_scenario_and_unit() -> None:
    assert short_label("syscalls_pipe_round_trip_ns", "syscalls") == "pipe_round_trip"
    assert short_label("io_seq_write_mib_s", "io") == "seq_write"
    assert short_label("host_pss_bytes", "memory") == "host_pss"

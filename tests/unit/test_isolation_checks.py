"""The isolation scorecard's checks: one list for the probe, the scenario and the report, each in two languages.

bench.metrics.ISOLATION_CHECKS names every attempt of ``probe iso``; the
scenario's metrics, the probe's own list (bench/workload/iso.c CHECKS) and
the report's rows follow it. The report groups the rows and shows, per row,
the attack or CVE it stands for, which opens on the explanation.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from bench.metrics import ISOLATION_CHECKS, ISOLATION_GROUPS
from bench.report import render_html
from bench.report.catalogue_es import ES
from bench.results import RunRecord, ScenarioInfo
from bench.scenario import DEFAULT_DIR, load_scenario
from bench.store import Store

ROOT = Path(__file__).resolve().parents[2]
NAMES = tuple(c.name for c in ISOLATION_CHECKS)


def test_at_least_thirty_checks_each_with_its_attack_explanation_and_group() -> None:
    assert len(NAMES) >= 30 and len(set(NAMES)) == len(NAMES)
    for check in ISOLATION_CHECKS:
        assert check.label and check.stands_for and check.teaches, check
        assert check.group in ISOLATION_GROUPS, check
    groups = [c.group for c in ISOLATION_CHECKS]
    assert groups == sorted(groups, key=ISOLATION_GROUPS.index), "the checks are listed group by group"


def test_every_text_of_every_check_has_spanish() -> None:
    texts = [*ISOLATION_GROUPS, *(t for c in ISOLATION_CHECKS for t in (c.label, c.stands_for, c.teaches))]
    assert [t for t in texts if t not in ES] == []


def test_the_scenario_and_the_probe_list_the_same_checks_in_the_same_order() -> None:
    scenario = load_scenario(DEFAULT_DIR / "isolation.toml")
    assert scenario.metrics == tuple(f"iso_{name}_blocked" for name in NAMES)
    iso_c = (ROOT / "bench" / "workload" / "iso.c").read_text()
    table = iso_c[iso_c.index("static const struct check CHECKS[]"):]
    assert tuple(re.findall(r'\{"(\w+)", check_\w+, [01]\}', table)) == NAMES


def test_scorecard_groups_rows_and_opens_each_attack_on_its_explanation(tmp_path) -> None:
    metrics = ("iso_cpu_limit_blocked", "iso_leaked_fd_blocked", "iso_userns_blocked")
    info = ScenarioInfo("isolation", "what each runtime isolates", "", "iso", (), metrics, 0, 1, chart="scorecard")
    with Store(tmp_path / "s.sqlite") as store:
        sid = store.begin_session("bench run", quick=False, metadata={"hostname": "lab"})
        store.record_scenario(sid, info)
        for runtime, value in (("chroot", 0.0), ("box", 1.0)):
            store.record_run(sid, RunRecord("isolation", runtime, 0, False, True, {m: value for m in metrics}))
        store.finish_session(sid, "finished")
        data = store.load(sid)
    for lang in ("en", "es"):
        page = render_html(data, generated_at="2026-01-01T00:00:00+00:00", lang=lang)
        table = html.unescape(re.search(r'<table class="scorecard">.*?</table>', page, re.DOTALL).group(0))
        t = (lambda text: text) if lang == "en" else ES.__getitem__
        # Rows in the groups' order, whatever order the scenario named them in.
        headers = re.findall(r'<tr class="sc-group"><th colspan="3">(.*?)</th></tr>', table)
        assert headers == [t("reach the host"), t("the kernel's attack surface"), t("resource limits")]
        leaked = next(c for c in ISOLATION_CHECKS if c.name == "leaked_fd")
        # One line per check; a click on it opens a full-width line with the attack and the explanation.
        assert (f'<tr><td class="sc-check"><details class="sc-why"><summary title="{t(leaked.stands_for)}: '
                f'{t(leaked.teaches)}">{t(leaked.label)}</summary></details></td>') in table
        assert (f'<tr class="why-row"><td colspan="3"><b>{t(leaked.stands_for)}</b> — {t(leaked.teaches)}</td></tr>'
                in table)


def _result_lines(names: tuple[str, ...], outcome: str = "blocked") -> list:
    from runtimes.probe import parse_line

    value = {"blocked": "1", "reached": "0", "na": "na"}[outcome]
    return [parse_line(f"BENCH event=result mode=iso check={n} {n}_blocked={value} outcome={outcome} errno=none note=x")
            for n in names]


def test_an_instance_killed_by_its_memory_check_keeps_what_it_printed_and_that_the_limit_held() -> None:
    """gVisor's Sentry shares the sandbox's cgroup: going over the limit kills the whole instance (status 137)."""
    from bench.isolation import killed_at_memory_limit

    before = NAMES[:NAMES.index("mem_limit")]
    lines = _result_lines(before[:-1]) + _result_lines(before[-1:], "reached")
    figures = killed_at_memory_limit(lines, 137)
    assert figures is not None
    assert figures["iso_mem_limit_blocked"] == 1.0 and figures[f"iso_{before[-1]}_blocked"] == 0.0
    assert not any(f"iso_{name}_blocked" in figures for name in NAMES[NAMES.index("mem_limit") + 1:])  # never tried
    assert killed_at_memory_limit(lines, 1) is None              # not killed: a failure like any other
    assert killed_at_memory_limit(lines[:-1], 137) is None       # killed earlier: a failure like any other

"""The report's other views: Spanish, the scorecard, density, sessions side by side, compare and export.

The recorded session (tests/data/recorded-session.sqlite, see test_report.py)
is the real input wherever one fits. The scorecard and density fixtures are
sessions written through the real Store with hand-chosen values: they check
how the report draws such runs, not what any runtime measures.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from bench import metadata as md
from bench.report import render_html, summary_table
from bench.report import charts
from bench.report.catalogue_es import ES
from bench.report.checks import host_noise_warnings
from bench.report.compare import compare_sessions, comparison_notes
from bench.report.export import export, session_from_json
from bench.report.html import build_page
from bench.report.i18n import Catalogue
from bench.report.texts import TEXTS
from bench.report.view import Chart, Page, Paragraph, Section
from bench.results import RunRecord, ScenarioInfo, SessionData
from bench.store import Store

ROOT = Path(__file__).resolve().parents[2]
RECORDED = ROOT / "tests" / "data" / "recorded-session.sqlite"
GENERATED_AT = "2026-01-01T00:00:00+00:00"


@pytest.fixture(scope="module")
def store_copy(tmp_path_factory) -> Path:
    copy = tmp_path_factory.mktemp("rec") / "isobench.sqlite"
    shutil.copyfile(RECORDED, copy)
    return copy


@pytest.fixture(scope="module")
def data(store_copy) -> SessionData:
    with Store(store_copy) as store:
        return store.load()


def _of(view: Page, name: str) -> Section:
    return next(s for s in view.sections if s.id == name)


def _headlines(section: Section) -> list[str]:
    """The sentences under each chart that read its figures aloud (paragraphs of no particular kind)."""
    return [p.text for p in section.of(Paragraph) if not p.css and not p.lead]


def _visible_text(page: str) -> str:
    """What a reader sees: no scripts, no styles, no tags, entities decoded."""
    body = re.sub(r"<script.*?</script>|<style.*?</style>", " ", page, flags=re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


# -- Spanish -----------------------------------------------------------------------------

def test_spanish_report_is_in_spanish_with_no_translated_english_left(data, monkeypatch):
    seen = Catalogue("es")
    monkeypatch.setattr("bench.report.html.Catalogue", lambda lang: seen)
    page = render_html(data, generated_at=GENERATED_AT, lang="es")
    assert seen.missing == set(), "every string the page asked for had a translation"
    text = _visible_text(page)
    for spanish in ("La sesión de un vistazo", "Lea esto primero", "Qué muestra esto",
                    "Cuánto tarda la carga de trabajo desde la llamada de arranque"):  # startup.toml's description_es
        assert spanish in text, spanish
    assert "menos es mejor" in page and "lower is better" not in page  # chart titles, inside plotly's JSON
    english = [*(e for e, s in ES.items() if e != s), *(x.en for x in TEXTS.values() if x.en != x.es)]
    leftovers = [e for e in english if "{" not in e and "<" not in e and len(e) > 12 and e in text]
    assert leftovers == []
    assert '<html lang="es">' in page


def test_every_registered_runtime_has_its_summary_and_launch_in_spanish():
    """The Runtimes table shows each runtime's own two sentences; a runtime added or reworded needs them here."""
    from runtimes import RUNTIMES

    missing = [f"{runtime.name}.{field}" for runtime in RUNTIMES for field in ("summary", "launch")
               if getattr(runtime, field) not in ES]
    assert missing == [], "add the Spanish of these to the end of bench/report/catalogue_es.py"


def test_every_registered_text_the_report_shows_has_spanish():
    """Metrics, host metadata and the literature reach t() through variables, keyed by their English (catalogue_es)."""
    from bench import metadata as md
    from bench.metrics import METRICS
    from bench.report.literature import REFERENCES

    texts = [*(text for m in METRICS.values() for text in (m.label, m.description)),
             *(md.label(key) for key in md.METADATA),
             *(text for r in REFERENCES for text in (r.label, r.claim, r.where, r.checked, r.citation))]
    assert [text for text in texts if text not in ES] == []


def test_spanish_runtimes_table_translates_each_runtime_and_keeps_an_older_wording_in_english(tmp_path):
    from bench.results import RuntimeInfo
    from runtimes import get_runtime

    native, older = get_runtime("native"), "chroot(2), as an older session worded it"
    with Store(tmp_path / "s.sqlite") as store:
        sid = store.begin_session("bench run", quick=False, metadata={"hostname": "lab", "in_vm": "no"})
        store.record_scenario(sid, ScenarioInfo("cpu", "a loop", "", "cpu", (), ("cpu_elapsed_s",), 0, 1))
        for name, info in (("native", RuntimeInfo("native", native.summary, native.launch)),
                           ("chroot", RuntimeInfo("chroot", older, ""))):
            store.record_runtime(sid, info)
            store.record_run(sid, RunRecord("cpu", name, 0, False, True, {"cpu_elapsed_s": 0.2}))
        store.finish_session(sid, "finished")
        data = store.load(sid)
    seen = Catalogue("es")
    view = build_page(data, GENERATED_AT, seen)
    table = _of(view, "runtimes").tables()[0]
    assert [c.text for c in table.row("native").cells[1:3]] == [ES[native.summary], ES[native.launch]]
    # no translation: shown as stored, and counted as missing
    assert [c.text for c in table.row("chroot").cells[1:3]] == [older, ""]
    assert seen.missing == {older}
    host = {r.cells[0].text: r.cells[1].text for r in _of(view, "host").tables()[0].rows}
    assert host["el anfitrión es a su vez una VM"] == "no" and "lab" in host.values()


# Numbers: "2,841 ms" reads in Spain as 2.841 ms, a thousandfold error. The Spanish report writes a decimal
# comma and groups thousands with a narrow no-break space (RAE, ISO 80000); a ratio's × follows a no-break space.
NNBSP, NBSP = "\u202f", "\u00a0"


def _spanish(english: str) -> str:
    """A figure as the English report writes it ("2,841", "0.82"), the Spanish way ("2 841", "0,82")."""
    return english.replace(",", "\0").replace(".", ",").replace("\0", NNBSP)


def test_spanish_report_writes_each_figure_with_a_decimal_comma(data):
    """The recorded session's start-up is a few ms: '1.632 ms' in English is '1,632 ms' in Spanish."""
    en, es = (build_page(data, GENERATED_AT, Catalogue(lang)) for lang in ("en", "es"))
    row = summary_table(data).set_index(["scenario", "metric", "runtime"]).loc[("startup", "ready_s", "chroot")]
    median, ratio, spread = f"{row['median'] * 1e3:.4g}", f"{row['ratio']:.2f}", f"{row['ratio_spread']:.2f}"
    assert "." in median and "." in ratio, "the recording's figures have decimals: what this test is about"
    headline = {lang: _headlines(_of(page, "startup"))[0] for lang, page in (("en", en), ("es", es))}
    assert f"chroot {median} ms ({ratio}× native)" in headline["en"]
    assert f"chroot {_spanish(median)} ms ({_spanish(ratio)}{NBSP}× native)" in headline["es"]
    chroot = _of(es, "startup").tables()[0].row("chroot").cells
    assert chroot[1].text == _spanish(median)  # the table
    assert chroot[-1].text == f"{_spanish(ratio)}{NBSP}× ± {_spanish(spread)}"
    assert es.overview.tables()[0].row("chroot").cells[1].text == f"{_spanish(median)} ms"
    memory = md.format_value("mem_total_bytes", data.info.metadata["mem_total_bytes"])
    host = {r.cells[0].text: r.cells[1].text for r in _of(es, "host").tables()[0].rows}
    assert "." in memory and host["memoria"] == _spanish(memory)

    def figures(page) -> str:
        return " ".join(c.text for s in page.sections for t in s.tables() if t.css == "figures"
                        for r in t.rows for c in r.cells)
    assert re.search(r"\d\.\d", figures(en)) and not re.search(r"\d\.\d", figures(es))
    # plotly writes the axis ticks and hover figures; only the Spanish charts change its separators
    charts_of = lambda page: [c.figure["layout"] for s in page.sections for c in s.of(Chart)]  # noqa: E731
    assert charts_of(es) and all(layout.get("separators") == f",{NNBSP}" for layout in charts_of(es))
    assert not any("separators" in layout for layout in charts_of(en))


def test_spanish_report_groups_thousands_with_a_narrow_space_never_a_comma(tmp_path):
    """Every figure the English report groups with a comma (a VM's start-up in ms, IOPS), the Spanish one groups
    with a narrow no-break space: in tables, sentences, the overview, the VM section and the charts."""
    startup = ScenarioInfo("startup", "until ready", "", "ready", (), ("ready_s",), 0, 5, order=1, chart="startup")
    io = ScenarioInfo("io", "random reads", "", "io", (), ("io_rand_read_iops",), 0, 5, order=2, chart="io")
    boot = {"vm_boot_define_s": 0.041, "vm_boot_qemu_s": 0.35, "vm_boot_firmware_s": 2.45}  # a VM boots in seconds
    with Store(tmp_path / "s.sqlite") as store:
        sid = store.begin_session("bench run", quick=False, metadata={"hostname": "lab", "cpu_count": "2"})
        store.record_scenario(sid, startup)
        store.record_scenario(sid, io)
        for runtime, ready, iops, phases in (("native", 0.0125, 18640.0, {}), ("libvirt", 2.8413, 9320.0, boot)):
            for i in range(5):
                store.record_run(sid, RunRecord("startup", runtime, i, False, True,
                                                {"ready_s": ready * (1 + i / 1000), **phases}))
                store.record_run(sid, RunRecord("io", runtime, i, False, True, {"io_rand_read_iops": iops + i}))
        store.finish_session(sid, "finished")
        data = store.load(sid)
    en, es = (render_html(data, generated_at=GENERATED_AT, lang=lang) for lang in ("en", "es"))
    summary = summary_table(data).set_index(["scenario", "metric", "runtime"])
    vm_ready = f"{summary.loc[('startup', 'ready_s', 'libvirt'), 'median'] * 1e3:,.0f}"
    iops = f"{summary.loc[('io', 'io_rand_read_iops', 'native'), 'median']:,.0f}"
    assert "," in vm_ready and "," in iops
    grouped = set(re.findall(r"(?<![\d,.])\d{1,3}(?:,\d{3})+(?![\d,])", _visible_text(en)))
    assert {vm_ready, iops} <= grouped  # the medians, as the English report groups them
    text = _visible_text(es)
    for number in grouped:
        assert _spanish(number) in text, number
        assert not re.search(rf"(?<![\d,]){re.escape(number)}(?!\d)", text), f"{number} left in English"
    view = build_page(data, GENERATED_AT, Catalogue("es"))  # where each of them is
    assert f"libvirt {_spanish(vm_ready)} ms (" in _headlines(_of(view, "startup"))[0]
    assert view.overview.tables()[0].row("libvirt").cells[1].text == f"{_spanish(vm_ready)} ms"
    phases = _spanish(f"{sum(boot.values()) * 1e3:,.0f}")
    assert any(f"las fases suman {phases} ms" in p.text for p in _of(view, "vm").of(Paragraph))
    io_rows = summary.loc["io"].reset_index()
    figure = charts.io_figure(io_rows, io.metrics, ["native", "libvirt"], Catalogue("es"))
    ratio = f"{summary.loc[('io', 'io_rand_read_iops', 'libvirt'), 'ratio']:.2f}"
    assert figure.data[1].text == (f"{_spanish(ratio)}{NBSP}×",)  # written on the bar
    assert figure.layout.separators == f",{NNBSP}"  # decimal mark, thousands: plotly's ticks and hover texts
    assert charts.io_figure(io_rows, io.metrics, ["native", "libvirt"], Catalogue()).layout.separators is None


def test_an_unknown_language_is_one_clear_error():
    with pytest.raises(Exception, match="unknown report language 'fr'; choose from: en, es"):
        Catalogue("fr")


# -- scorecard and density ----------------------------------------------------------------

def _session(tmp_path: Path, scenario: ScenarioInfo, runs: list[RunRecord]) -> SessionData:
    with Store(tmp_path / "s.sqlite") as store:
        sid = store.begin_session("bench run", quick=False, metadata={"hostname": "lab", "cpu_count": "2"})
        store.record_scenario(sid, scenario)
        for run in runs:
            store.record_run(sid, run)
        store.finish_session(sid, "finished")
        return store.load(sid)


def test_scorecard_colours_each_check_per_runtime_and_scores_it(tmp_path):
    info = ScenarioInfo("isolation", "what each runtime isolates", "", "iso", (),
                        ("iso_root_escape_blocked", "iso_host_pids_blocked"), 0, 2, chart="scorecard")
    blocked = {"native": (0.0, 0.0), "chroot": (0.0, 0.0), "box": (1.0, 1.0)}
    runs = [RunRecord("isolation", rt, i, False, True, {"iso_root_escape_blocked": escape, "iso_host_pids_blocked": pids})
            for rt, (escape, pids) in blocked.items() for i in range(2)]
    runs.append(RunRecord("isolation", "box", 2, False, True, {"iso_host_pids_blocked": 0.0}))  # one run disagrees
    view = build_page(_session(tmp_path, info, runs), GENERATED_AT, Catalogue())
    (table,) = _of(view, "isolation").tables()
    assert [c.text for c in table.head] == ["check", "native", "chroot", "box"]
    escape_row = table.row("escape its root (classic chroot escape)").cells[1:]
    assert [(c.css, c.flags) for c in escape_row] == [("sc-fail", {"failed"})] * 2 + [("sc-pass", {"passed"})]
    pids = table.row("see a host process").cells[3]
    assert (pids.css, pids.text, pids.value) == ("sc-mixed", "~67%", pytest.approx(2 / 3))
    assert pids.title == "box: blocked in 67% of runs"  # one glyph a cell, its words in the tooltip
    assert [(c.rotated, c.colour) for c in table.head[1:]] == [(True, "#000000"), (True, "#E69F00"), (True, "#0072B2")]
    assert [c.text for c in table.foot.cells] == ["score", "0/2", "0/2", "1/2"]
    assert view.overview.tables()[0].row("box").cells[4].text == "1/2"  # box's isolation score on the first screen


def test_density_chart_plots_each_figure_against_the_number_of_instances(tmp_path):
    info = ScenarioInfo("density", "how many fit", "", "idle", (), ("density_mem_used_bytes", "density_ready_s"),
                        0, 1, chart="density")
    runs = [RunRecord("density", rt, i, False, True,
                      {"density_mem_used_bytes": n * per, "density_ready_s": n * 0.01}, instances=n)
            for rt, per in (("native", 2**20), ("box", 3 * 2**20)) for i, n in enumerate((1, 2, 4))]
    view = build_page(_session(tmp_path, info, runs), GENERATED_AT, Catalogue())
    section = _of(view, "density")
    (chart,) = section.of(Chart)
    assert chart.div_id == "chart-density"
    memory = section.tables()[0]  # the memory table comes first
    assert [c.text for c in memory.head] == ["runtime", "N = 1", "N = 2", "N = 4"]
    box = memory.row("box").cells[1:]
    assert [c.text for c in box] == ["3 MiB", "6 MiB", "12 MiB"]
    assert [c.notes[-1] for c in box] == ["3.00×"] * 3  # against native's median at the same N
    assert not any("high spread" in w for w in view.warnings)  # figures across different N are not one sample to judge


# -- host noise ---------------------------------------------------------------------------

def test_host_noise_warnings_name_the_cause_and_the_fix():
    t = Catalogue()
    quiet = {"cpu_governor": "performance", "cpu_count": "2", "load_avg_1m": "1.40", "other_load_percent": "3.0",
             "cpu_steal_percent": "0.4"}
    assert host_noise_warnings(quiet, t) == []
    noisy = host_noise_warnings({**quiet, "cpu_governor": "ondemand", "other_load_percent": "46.0",
                                 "cpu_steal_percent": "7.5"}, t)
    assert len(noisy) == 3
    assert "'ondemand'" in noisy[0] and "cpupower frequency-set -g performance" in noisy[0]
    assert "load average was 1.40 on 2 CPUs" in noisy[1] and "46 % of the CPUs busy" in noisy[1]
    assert "Close other programs" in noisy[1]
    assert "7.5 %" in noisy[2] and "steal" in noisy[2]
    spanish = host_noise_warnings({**quiet, "other_load_percent": "46.0", "cpu_steal_percent": "7.5"}, Catalogue("es"))
    assert "carga media era 1,40 con 2 CPU" in spanish[0] and "7,5 %" in spanish[1]  # decimal commas
    # a store from before the load sample: the load average alone decides
    assert len(host_noise_warnings({"cpu_count": "2", "load_avg_1m": "3.5"}, t)) == 1


# -- side by side, compare, export ----------------------------------------------------------

def test_two_sessions_side_by_side_keep_each_ratio_to_its_own_native(data):
    view = build_page([data, data], GENERATED_AT, Catalogue())
    assert "chart-startup-ready_s" in [c.div_id for c in _of(view, "startup").of(Chart)]
    figures = [t for s in view.sections for t in s.tables() if t.css == "figures"]
    assert len(figures) == sum(len(s.metrics) for s in data.scenarios)
    for table in figures:
        assert [r.cells[0].text for r in table.rows] == ["native · A", "native · B", "chroot · A", "chroot · B"]
        baselines = [r.cells[0].text for r in table.rows if "baseline" in r.cells[-1].flags]
        assert baselines == ["native · A", "native · B"]
        for label in ("A", "B"):
            chroot, native = table.row(f"chroot · {label}").cells, table.row(f"native · {label}").cells[1].value
            if native:  # to its own session's native
                assert chroot[-1].value == pytest.approx(chroot[1].value / native)
            else:
                assert "no_baseline" in chroot[-1].flags


def test_comparing_a_session_with_itself_reports_no_change(data):
    changes = compare_sessions(data, data)
    assert len(changes) == len(data.samples.groupby(["scenario", "metric", "runtime"]))
    assert all(c.ratio == 1.0 or c.median_a == 0 for c in changes)
    assert {c.verdict() for c in changes} == {"no significant change"}
    assert comparison_notes(data, data, changes) == [f"0 of {len(changes)} figures changed beyond the noise "
                                                     "(Mann–Whitney U test, p < 0.05)"]


def test_a_comparison_reads_in_spanish_too(data):
    changes, t = compare_sessions(data, data), Catalogue("es")
    assert {c.verdict(t) for c in changes} == {"sin cambio significativo"}
    assert comparison_notes(data, data, changes, t) == [f"0 de {len(changes)} cifras cambiaron más allá del ruido "
                                                        "(prueba U de Mann–Whitney, p < 0,05)"]
    assert t.missing == set()


def test_json_export_round_trips(data):
    back = session_from_json(export(data, "json"))
    assert back.info == data.info and back.scenarios == data.scenarios and back.runtimes == data.runtimes
    pd.testing.assert_frame_equal(back.samples, data.samples.reset_index(drop=True))
    pd.testing.assert_frame_equal(back.runs, data.runs.reset_index(drop=True), check_dtype=False)
    assert render_html(back, generated_at=GENERATED_AT) == render_html(data, generated_at=GENERATED_AT)


def test_csv_export_round_trips(data, tmp_path):
    path = tmp_path / "samples.csv"
    path.write_text(export(data, "csv"))
    back = pd.read_csv(path)
    assert list(back.columns) == ["session", "scenario", "runtime", "iteration", "kind", "instances", "metric", "unit",
                                  "value"]
    assert (back["session"] == data.info.id).all()
    columns = ["scenario", "runtime", "iteration", "kind", "metric", "value"]  # instances: empty here (no density)
    pd.testing.assert_frame_equal(back[columns], data.samples[columns].reset_index(drop=True))


def test_pytest_benchmark_compare_reads_the_export(data, tmp_path):
    path = tmp_path / "0001_isobench.json"
    path.write_text(export(data, "pytest-benchmark"))
    body = json.loads(path.read_text())
    assert {b["name"] for b in body["benchmarks"]} >= {"startup[native-ready_s]", "cpu[chroot-cpu_elapsed_s]"}
    assert not any(b["name"].endswith("_bytes]") for b in body["benchmarks"])  # only times: it shows seconds
    tool = Path(sys.executable).with_name("pytest-benchmark")
    out = subprocess.run([str(tool), "compare", str(path), "--group-by=group", "--columns=min,median,max,rounds"],
                         capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "startup[native-ready_s]" in out.stdout and "benchmark 'startup: launch → READY'" in out.stdout


def test_every_literature_figure_names_its_source_section_and_how_it_was_checked():
    from bench.metrics import METRICS
    from bench.report.literature import REFERENCES

    for ref in REFERENCES:
        assert ref.metric in METRICS, ref.key
        assert ref.citation and ref.where and ref.checked and ref.claim, ref.key
        assert ref.value > 0 and ref.kind in ("absolute", "ratio"), ref.key
    assert len({r.key for r in REFERENCES}) == len(REFERENCES)

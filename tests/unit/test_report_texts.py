"""The report's own texts (bench.report.texts): every code in both languages, and every code used is known.

A code is used by the view-model builders (``t.text("code")`` / ``t.html("code")`` in bench/report/*.py,
and the ``f"{kind}.explain"`` codes of each chart kind) and by the templates (``text("code")``).
"""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

from bench.report import texts
from bench.report.i18n import Catalogue
from bench.scenario import CHARTS

REPORT = Path(texts.__file__).parent
CODE = re.compile(r"""\b(?:t\.text|t\.html|text)\(\s*["']([a-z_]+\.[a-z_]+)["']""")
QUOTED = re.compile(r"""["']([a-z_]+\.[a-z_]+)["']""")  # codes also come as tuples: for code in ("table.runtime", …)


def _used(pattern: re.Pattern[str] = CODE) -> dict[str, set[str]]:
    used: dict[str, set[str]] = {}
    files = [*(p for p in REPORT.glob("*.py") if p.name != "texts.py"), *(REPORT / "templates").rglob("*.j2")]
    for path in files:
        for code in pattern.findall(path.read_text(encoding="utf-8")):
            used.setdefault(code, set()).add(path.name)
    for chart in CHARTS:  # sections.py asks for f"{chart_of(scenario)}.explain"
        used.setdefault(f"{chart}.explain", set()).add("sections.py")
    return used


def test_every_text_has_english_and_spanish_with_the_same_fields():
    fields = lambda s: sorted(name for _, name, _, _ in string.Formatter().parse(s) if name)  # noqa: E731
    for code, text in texts.TEXTS.items():
        assert text.en.strip() and text.es.strip(), f"{code} lacks a language"
        assert fields(text.en) == fields(text.es), f"{code}: the two languages fill different fields"


def test_every_code_the_builders_and_templates_use_is_in_the_catalogue():
    unknown = {code: where for code, where in _used().items() if code not in texts.TEXTS}
    assert unknown == {}


def test_the_report_asks_for_its_own_text_by_code_never_by_its_english():
    """``t("lower is better")`` would be looked up by its English in catalogue_es, and break at the next rewording.

    ``t(...)`` is left for text the report does not own (a metric's label, a runtime's stored summary),
    which comes through a variable; a string written in the call is the report's own, so it needs a code.
    """
    literals = []
    for path in sorted(REPORT.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], (ast.Constant, ast.JoinedStr))
                    and getattr(node.func, "id", getattr(node.func, "attr", "")) == "t"):
                literals.append(f"{path.name}:{node.lineno}")
    assert literals == [], "give these texts a code in bench/report/texts.py and ask for t.text(code)"


def test_no_text_of_the_report_is_also_keyed_by_its_english():
    """catalogue_es holds only what the report does not own; a sentence in both would drift apart."""
    from bench.report.catalogue_es import ES

    owned = {text.en: code for code, text in texts.TEXTS.items()}
    # "kernel" is both the page header's word (page.kernel) and a host metadata label (bench.metadata).
    assert {english: owned[english] for english in ES if english in owned and english != "kernel"} == {}


def test_every_code_in_the_catalogue_is_used():
    quoted = {code for code in _used(QUOTED) if code in texts.TEXTS}
    assert sorted(set(texts.TEXTS) - set(_used()) - quoted) == []


def test_a_text_is_written_in_the_report_language_with_its_decimal_mark():
    assert Catalogue("en").text("warnings.steal", steal=7.5).startswith("The hypervisor under this host took 7.5 %")
    assert "7,5 %" in Catalogue("es").text("warnings.steal", steal=7.5)


def test_html_texts_escape_their_fields_but_keep_their_own_markup():
    page = Catalogue("en").html("scenario.workload", w="idle <x>", n=3, k=1)
    assert "<code>probe idle &lt;x&gt;</code>" in page

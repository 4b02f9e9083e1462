"""Turn the report's view model (bench.report.view) into the HTML page, through Jinja2 templates.

The templates and the stylesheet are files under templates/: ``base.html.j2`` is the page's
frame (head, style, the one embedded plotly.js), ``report.html.j2`` the order of the parts, one
template per section under ``sections/`` and one per kind of block under ``blocks/``.
Autoescape is on: every text of the view model is escaped unless it is ``Markup`` made from
the report's own catalogue (bench.report.texts).
"""

from __future__ import annotations

import functools
from importlib import resources

import jinja2
import plotly.io
import plotly.offline
from markupsafe import Markup

from bench.report import view
from bench.report.i18n import Catalogue

# The same options every chart had when sections wrote them one by one.
CHART_CONFIG = {"displaylogo": False, "responsive": True}


@functools.cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("bench.report", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=False)
    env.filters["chart"] = chart_html
    env.globals["kind"] = view.kind
    return env


def chart_html(chart: view.Chart) -> Markup:
    """The chart's div and the script that draws it with the page's plotly.js (embedded once, in the head)."""
    return Markup(plotly.io.to_html(chart.figure, full_html=False, include_plotlyjs=False, div_id=chart.div_id,
                                    config=CHART_CONFIG, validate=False))


@functools.cache
def stylesheet() -> Markup:
    return Markup((resources.files("bench.report") / "templates" / "report.css").read_text(encoding="utf-8"))


def render_page(page: view.Page, t: Catalogue) -> str:
    """The whole page as a string; writing it is the caller's job."""
    return environment().get_template("report.html.j2").render(
        page=page, text=t.text, css=stylesheet(), plotlyjs=Markup(plotly.offline.get_plotlyjs()))

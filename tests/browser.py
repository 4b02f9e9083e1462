"""A report as a person sees it in headless Chromium: its height, what is on show, its first screen, its PDF.

    shape = measure(page, tmp_path / "profile")          # Shape: height_px, tables, charts, …
    pages = print_pdf(page, tmp_path / "out.pdf", tmp_path / "profile")

``measure`` opens a copy of the page with a small script appended that waits for plotly to
draw, then writes what it found into the DOM as JSON; ``--dump-dom`` hands that back. It
looks with the details collapsed, as the page opens: a table inside a closed ``<details>``
is not "on show". The page itself is not changed; the copy sits beside it.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
import shutil
import subprocess
from pathlib import Path

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--hide-scrollbars",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--force-device-scale-factor=1", "--enable-logging=stderr", "--v=0", "--virtual-time-budget=15000")

# Runs after load: what a reader sees at 1400 × 900 with every <details> as the page opened it.
_PROBE = r"""
<script>
window.__errors = [];
window.addEventListener('error', e => window.__errors.push(String(e.message)));
window.addEventListener('load', () => setTimeout(() => {
  const shown = el => el.checkVisibility ? el.checkVisibility() : el.getClientRects().length > 0;
  const firstScreen = [...document.querySelectorAll('h1,h2,h3,h4,.q-title')]
      .filter(el => shown(el) && el.getBoundingClientRect().top < innerHeight).map(el => el.textContent.trim());
  const sections = [...document.querySelectorAll('section[id]')].map(s => s.id);
  const links = [...document.querySelectorAll('nav.toc a[href^="#"]')].map(a => a.getAttribute('href').slice(1));
  const out = {height_px: document.documentElement.scrollHeight,
               tables: [...document.querySelectorAll('table')].filter(shown).length,
               charts: [...document.querySelectorAll('.js-plotly-plot')].filter(shown).length,
               details: document.querySelectorAll('details').length,
               first_screen: firstScreen, sections: sections, toc: links,
               text: document.body.innerText, errors: window.__errors,
               marks: document.querySelectorAll('a.mark[href^="#warn-"]').length};
  // last, as it opens details: the scorecard's size with its section opened, against the page's width
  const sc = document.querySelector('table.scorecard');
  if (sc) { for (let d = sc.closest('details'); d; d = d.parentElement.closest('details')) d.open = true;
    const rows = [...sc.querySelectorAll('tr')].filter(tr => tr.getBoundingClientRect().height > 0).slice(1, -1);
    out.scorecard = {width: sc.getBoundingClientRect().width, page_width: document.documentElement.clientWidth,
                     row_height: Math.max(...rows.map(tr => tr.getBoundingClientRect().height))}; }
  const pre = document.createElement('pre'); pre.id = '__shape';
  pre.textContent = JSON.stringify(out); document.body.appendChild(pre);
}, 500));
</script>
"""


@dataclasses.dataclass(frozen=True)
class Shape:
    """What the page shows at 1400 px, details collapsed."""

    height_px: int
    tables: int               # tables on show (not inside a closed <details>)
    charts: int               # plotly charts on show
    details: int              # collapsible parts
    first_screen: list[str]   # headings and chart titles within the first 900 px
    sections: list[str]       # ids of every <section>
    toc: list[str]            # the table of contents' targets
    text: str                 # the visible text (innerText: closed details left out)
    errors: list[str]         # script errors, from the page and from Chromium's console
    marks: int = 0            # flagged figures' marks (≈, ⚠) linked to their warning line
    scorecard: dict[str, float] | None = None  # width, page_width, row_height (px), its section opened

    def negative_memory(self) -> list[str]:
        """Visible figures like "−85 MiB" or "-1.2 GiB"."""
        return re.findall(r"[−-]\s?\d[\d.,]*\s?[KMG]i?B\b", self.text)


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def measure(page: Path, profile: Path, width: int = 1400, height: int = 900) -> Shape:
    browser = chromium()
    assert browser, "chromium not found"
    probe = page.with_name(f".probe-{page.name}")
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", _PROBE + "</body>", 1), encoding="utf-8")
    try:
        out = subprocess.run([browser, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
                              "--dump-dom", probe.as_uri()], capture_output=True, text=True, timeout=180)
    finally:
        probe.unlink()
    assert out.returncode == 0, out.stderr[-2000:]
    found = re.search(r'<pre id="__shape">(.*?)</pre>', out.stdout, re.DOTALL)
    assert found, "the probe script did not run"
    raw = json.loads(html.unescape(found.group(1)))
    console = [ln for ln in out.stderr.splitlines() if "CONSOLE" in ln and re.search(r"Uncaught|Error", ln)]
    raw["errors"] = raw["errors"] + console
    return Shape(**raw)


def print_pdf(page: Path, pdf: Path, profile: Path) -> int:
    """Print the page as Chromium's print to PDF does; return the PDF's page count."""
    browser = chromium()
    assert browser, "chromium not found"
    out = subprocess.run([browser, *FLAGS, f"--user-data-dir={profile}", "--no-pdf-header-footer",
                          f"--print-to-pdf={pdf}", page.as_uri()], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and pdf.is_file(), out.stderr[-2000:]
    return pdf_pages(pdf)


def pdf_pages(pdf: Path) -> int:
    """Page objects in the PDF (Chromium writes them uncompressed: ``/Type /Page``, not ``/Pages``)."""
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf.read_bytes()))


def screenshot(page: Path, png: Path, profile: Path, width: int = 1400, height: int = 900) -> None:
    browser = chromium()
    assert browser, "chromium not found"
    out = subprocess.run([browser, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
                          f"--screenshot={png}", page.as_uri()], capture_output=True, text=True, timeout=180)
    assert out.returncode == 0 and png.is_file(), out.stderr[-2000:]

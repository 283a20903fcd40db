"""Headless Chromium for the report's layout tests: measure a page at a width, print it to PDF, screenshot it.

Debian's ``chromium`` (``.ci/run`` installs it when missing), run as root with
no sandbox, no network services and a fresh profile per call.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

__all__ = ["chromium", "measure", "print_pdf", "screenshot", "A4_CSS_WIDTH"]

#: The printable width of an A4 page with the report's 12 mm side margins, in CSS pixels (96 per inch).
A4_CSS_WIDTH = round((210 - 2 * 12) / 25.4 * 96)

_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
          "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars"]

#: Measures the page after load and writes the result as JSON into <pre id="measure">.
_SCRIPT = """<script>
window.addEventListener('load', function () {
  var de = document.documentElement, cut = [], shown = 0;
  document.querySelectorAll('table').forEach(function (t, i) {
    var box = t.parentElement, h = t.closest('div.wrap') ? t.closest('div.wrap').previousElementSibling : null;
    var title = '';
    for (var e = t.closest('div.wrap') || t; e; e = e.previousElementSibling) {
      if (/^H[1-4]$/.test(e.tagName)) { title = e.textContent; break; }
    }
    if (t.offsetParent !== null) { shown += 1; }
    if (t.offsetParent !== null && t.scrollWidth > box.clientWidth + 1) {
      cut.push({index: i, title: title, table: t.scrollWidth, box: box.clientWidth});
    }
  });
  var pre = document.createElement('pre');
  pre.id = 'measure';
  pre.textContent = JSON.stringify({width: window.innerWidth, page: de.scrollWidth, cut: cut, shown: shown,
                                    tables: document.querySelectorAll('table').length});
  document.body.appendChild(pre);
  if (window.parent !== window) { window.parent.postMessage(pre.textContent, '*'); }
});
</script>"""

#: The page around the measured one: an iframe of the width to measure (headless windows are at least 500 px).
_OUTER = """<!DOCTYPE html><html><body style="margin:0">
<iframe src="page.html" style="width:{width}px;height:900px;border:0"></iframe>
<script>window.addEventListener('message', function (e) {{
  var pre = document.createElement('pre'); pre.id = 'measure'; pre.textContent = e.data;
  document.body.appendChild(pre); }});</script></body></html>"""


def chromium() -> str | None:
    """The chromium executable, or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _run(args: list[str], timeout: int = 180) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([chromium() or "chromium", *_FLAGS, f"--user-data-dir={profile}", *args],
                              capture_output=True, text=True, timeout=timeout, check=False)


def measure(page: Path, width: int, *, print_css: bool = False) -> dict:
    """Load ``page`` at ``width`` CSS px; return ``{"width", "page", "cut", "shown", "tables"}`` (page = the
    document's scroll width; shown = the tables laid out, of all ``tables``).

    ``print_css`` applies the page's print stylesheet on screen (``@media print`` -> ``all``), to measure
    the tables as they are laid out on paper at the A4 width.
    """
    text = page.read_text(encoding="utf-8")
    if print_css:
        text = text.replace("@media print{", "@media all{")
    text = text.replace("</body>", _SCRIPT + "</body>")
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "page.html"
        copy.write_text(text, encoding="utf-8")
        outer = Path(tmp) / "outer.html"
        outer.write_text(_OUTER.format(width=width), encoding="utf-8")
        res = _run([f"--window-size={max(width, 500) + 50},1000", "--allow-file-access-from-files",
                    "--virtual-time-budget=15000", "--dump-dom", outer.as_uri()])
    m = re.search(r"<pre id=\"measure\">(.*?)</pre>", res.stdout, re.S)
    if not m:
        raise RuntimeError(f"chromium gave no measurement (exit {res.returncode}): {res.stderr[-2000:]}")
    return json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<")
                      .replace("&gt;", ">"))


def print_pdf(page: Path, pdf: Path) -> Path:
    """Print ``page`` to ``pdf`` as a reader's browser would (A4 from the page's @page rule)."""
    _run(["--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri()])
    return pdf


def screenshot(page: Path, png: Path, width: int, height: int = 900) -> Path:
    """A PNG of the first ``height`` px of ``page`` at ``width``."""
    _run([f"--window-size={width},{height}", f"--screenshot={png}", page.as_uri()])
    return png

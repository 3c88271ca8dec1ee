"""The sample weekly report printed to PDF in headless Chromium: few pages, none mostly blank.

A supervisor prints the weekly report; every section used to start a new page (11 A4 pages, pages
1–3 two-thirds blank). Skipped without Chromium or pdftoppm (Debian: chromium, poppler-utils).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers import run_cli
from tests.test_report_browser import BROWSER, run_browser

ROOT = Path(__file__).resolve().parent.parent
PDFTOPPM = shutil.which("pdftoppm")
pytestmark = pytest.mark.skipif(BROWSER is None or PDFTOPPM is None,
                                reason="需要 Chromium 和 pdftoppm（Debian 包 chromium、poppler-utils）")


def printed(tmp_path: Path, html: Path) -> Path:
    pdf = tmp_path / (html.stem + ".pdf")
    proc = run_browser(tmp_path, html, f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    assert pdf.is_file(), proc.stderr[-2000:]
    return pdf


def page_fill(tmp_path: Path, pdf: Path) -> list[float]:
    """For each page, how far down (0–1) the last inked row of the body reaches (the footer band excluded)."""
    prefix = tmp_path / "page"
    subprocess.run([PDFTOPPM, "-r", "30", "-gray", str(pdf), str(prefix)], check=True, capture_output=True)
    fills = []
    for pgm in sorted(tmp_path.glob("page-*.pgm"), key=lambda p: int(re.findall(r"\d+", p.stem)[-1])):
        data = pgm.read_bytes()
        magic, width, height, maxval, pixels = re.match(rb"(P5)\s+(\d+)\s+(\d+)\s+(\d+)\s(.*)", data, re.S).groups()
        width, height = int(width), int(height)
        body = height - int(height * 0.07)  # the running footer (title, page number) sits in the bottom margin
        last = 0
        for y in range(body):
            row = pixels[y * width:(y + 1) * width]
            if min(row) < 200:
                last = y
        fills.append(last / body)
    return fills


def test_sample_weekly_report_prints_on_few_well_filled_pages(tmp_path):
    html = tmp_path / "周报.html"
    code, _out, err = run_cli(["report", "weekly", str(ROOT / "samples" / "2026-11"), "--prev",
                               str(ROOT / "samples" / "2026-10"), "--week", "2026-W46", "--out", str(html)])
    assert code in (0, 1), err
    text = html.read_text(encoding="utf-8")
    assert "counter(page)" in text and "第 " in text  # page numbers and the title in the footer
    fills = page_fill(tmp_path, printed(tmp_path, html))
    assert 1 <= len(fills) <= 5, f"{len(fills)} pages"
    half_empty = [i + 1 for i, f in enumerate(fills[:-1]) if f < 0.5]
    assert not half_empty, f"pages more than half empty: {half_empty} ({fills})"

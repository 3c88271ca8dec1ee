"""The sample weekly and monthly HTML reports in headless Chromium: they load without console
errors or network requests, the charts are there as SVG, and a screenshot can be taken.

Skipped when Chromium is not installed (Debian: chromium, fonts-noto-cjk). With
PARKCRM_UPDATE_DOCS=1 the screenshots are also saved as docs/weekly.png and docs/monthly.png.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from parkcrm.reports import build_monthly, build_weekly
from parkcrm.core.periods import parse_period
from parkcrm.reports.render import render
from parkcrm.reports.sources import gather

ROOT = Path(__file__).resolve().parent.parent
NOV = ROOT / "samples" / "2026-11"
NOW = dt.datetime(2026, 11, 20, 16, 30)


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


BROWSER = chromium()
pytestmark = pytest.mark.skipif(BROWSER is None, reason="Chromium 未安装（Debian 包 chromium、fonts-noto-cjk）")
CONSOLE = re.compile(r"CONSOLE|Uncaught|net::ERR_|Failed to load resource", re.I)


def run_browser(tmp_path: Path, page: Path, *extra: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{page.stem}-{len(extra)}"
    args = [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
            "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
            "--hide-scrollbars", *extra, page.as_uri()]
    return subprocess.run(args, capture_output=True, text=True, timeout=180,
                          env={**os.environ, "LANG": "zh_CN.UTF-8", "HOME": str(tmp_path)})


def console_errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if CONSOLE.search(line)]


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:32]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def pages(tmp_path_factory, rules):
    folder = tmp_path_factory.mktemp("html")
    week, month = parse_period("2026-W46"), parse_period("2026-11")
    out = {}
    for kind, report in (("weekly", build_weekly(gather(week, [NOV], rules), rules, week, now=NOW)),
                         ("monthly", build_monthly(gather(month, [NOV], rules), rules, month, now=NOW))):
        path = folder / f"{kind}.html"
        path.write_text(render(report, "html"), encoding="utf-8")
        out[kind] = (path, report)
    return out


def test_console_error_detection_works(tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><html><body><script>console.error('探针错误'); undefinedFn();</script></body></html>",
                   encoding="utf-8")
    proc = run_browser(tmp_path, bad, "--dump-dom")
    assert console_errors(proc.stderr), proc.stderr[-2000:]


@pytest.mark.parametrize("kind", ["weekly", "monthly"])
def test_report_opens_without_errors_and_has_charts(pages, tmp_path, kind):
    path, report = pages[kind]
    proc = run_browser(tmp_path, path, "--dump-dom")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert not console_errors(proc.stderr), console_errors(proc.stderr)
    dom = proc.stdout
    charts = [c for s in report.sections for c in s.charts]
    assert dom.count("<svg") == len(charts) > 0
    for c in charts:
        assert f"chart-{c.kind}" in dom
    assert re.search(r"<text[^>]*>[^<]*[\u4e00-\u9fff]", dom), "chart text is kept as (Chinese) text"
    for s in report.sections:
        assert f'id="s-{s.key}"' in dom


@pytest.mark.parametrize("kind,height", [("weekly", 4200), ("monthly", 6200)])
def test_screenshot(pages, tmp_path, kind, height):
    path, _report = pages[kind]
    shot = tmp_path / f"{kind}.png"
    proc = run_browser(tmp_path, path, f"--screenshot={shot}", f"--window-size=1000,{height}")
    assert shot.is_file(), proc.stderr[-2000:]
    assert not console_errors(proc.stderr), console_errors(proc.stderr)
    assert png_size(shot) == (1000, height)
    assert shot.stat().st_size > 50_000  # a rendered page, not a blank one
    if os.environ.get("PARKCRM_UPDATE_DOCS") == "1":
        (ROOT / "docs").mkdir(exist_ok=True)
        shutil.copyfile(shot, ROOT / "docs" / f"{kind}.png")

"""What a supervisor reads in a report is plain Chinese: no configuration keys, command lines or
Markdown syntax (those belong in the clerk's help, not in the weekly and monthly reports)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parent.parent
TECHNICAL = re.compile(r"\.yaml|\bparkcrm [a-z]|(?<![\w-])--[a-z]|^#+ |`|\(\?:")


def visible_text(page: str) -> str:
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<[^>]+>", "\n", page)
    return html.unescape(page)


@pytest.mark.parametrize("kind,period", [("weekly", ["--week", "2026-W46"]), ("monthly", ["--month", "2026-11"])])
def test_report_text_has_no_configuration_keys_or_command_hints(tmp_path, kind, period):
    out = tmp_path / f"{kind}.html"
    code, _out, err = run_cli(["report", kind, str(ROOT / "samples" / "2026-11"), "--prev",
                               str(ROOT / "samples" / "2026-10"), *period, "--out", str(out)])
    assert code in (0, 1), err
    lines = [line.strip() for line in visible_text(out.read_text(encoding="utf-8")).splitlines() if line.strip()]
    technical = [line for line in lines if TECHNICAL.search(line)]
    assert not technical, technical[:10]
    # the page says the rest of a long list is in the attachment: the xlsx of the same name is there
    assert "见附件" in out.read_text(encoding="utf-8")
    assert out.with_suffix(".xlsx").is_file()

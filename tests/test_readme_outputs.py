"""README 「各命令写到哪里」: every command that writes a file has a row, and the archive names shown are the code's."""

from __future__ import annotations

import re
from pathlib import Path

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def section() -> str:
    start = README.index("### 各命令写到哪里")
    return README[start:README.index("\n## ", start)]


def test_every_command_that_writes_a_file_has_a_row():
    rows = [line for line in section().splitlines() if line.startswith("| `")]
    named = {name for line in rows for name in re.findall(r"`([a-z][a-z -]*)`", line.split("|")[1])}
    expected = {"classify", "check-visits", "care-plan", "plan", "rules diff", "report weekly", "report monthly",
                "hotline-list", "validate", "sla", "churn", "changes", "review", "import", "run", "init", "samples"}
    assert expected <= named, expected - named


def test_archive_names_are_the_ones_the_commands_use():
    from parkcrm.io.archive import archive_path
    from parkcrm.jobs.care import CHECK, PLAN
    from parkcrm.jobs.classify import NAME as CLASSIFY
    from parkcrm.jobs.validation import NAME as VALIDATION
    from parkcrm.outputs.planning import NAME as PLANNING
    from parkcrm.outputs.rules_diff import NAME as DIFF
    from parkcrm.outputs.visits import SIGNOFF
    from parkcrm.scheduled.hotline import NAME as HOTLINE

    text = section()
    assert archive_path(Path("输出"), CLASSIFY, "2026-11", "xlsx").as_posix() == "输出/2026-11/客户分级-2026-11.xlsx"
    assert "`输出/YYYY-MM/客户分级-YYYY-MM.xlsx`" in text
    for name in (PLAN, CHECK, PLANNING, DIFF, SIGNOFF, HOTLINE, VALIDATION, "走访达标", "运行摘要"):
        assert name in text, name
    assert archive_path(Path("输出"), "园区周报", "2026-W46", "html").as_posix() == "输出/2026-11/园区周报-2026-W46.html"
    assert "园区周报-2026-W46.html" in text

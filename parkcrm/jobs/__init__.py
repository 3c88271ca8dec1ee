"""One builder per deliverable, used by its command and by `parkcrm run` alike.

A builder takes what is already read (tables, rules, the period, the day) and returns a
Deliverable: its name, the period it covers and a writer per file format. The command writes
where the user says (or into the archive in a project), `run` publishes into the archive; both
name the file with parkcrm.io.archive, so the same deliverable for the same inputs and day is
the same file in the same folder, apart from the time stamp of the run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from parkcrm.io.archive import archive_path


def default_target(archive_dir: Path | None, name: str, label: str, ext: str, beside: Path) -> Path:
    """Where a command writes a deliverable when --out is not given: in a project, the archive
    (where `parkcrm run` files it); otherwise `beside`, the command's own place next to the data."""
    if archive_dir is None:
        return beside
    target = archive_path(archive_dir, name, label, ext)
    target.parent.mkdir(parents=True, exist_ok=True)
    return target

Writer = Callable[[Path], object]  # writes one file; may return the cells it had to truncate


@dataclass
class Deliverable:
    name: str  # 客户分级, 走访达标, 走访抽查表, 关怀计划, 园区周报 …: the start of the file name
    label: str  # the period it covers: 2026-11, 2026-W46
    writers: dict[str, Writer]  # extension -> writer
    result: object = None  # what the command prints a summary of, or dumps as JSON
    has_findings: bool = False
    note: str = ""  # one line for the run summary
    extra: dict = field(default_factory=dict)  # builder-specific facts for the caller (e.g. the sampled managers)

    def target(self, root: Path, ext: str) -> Path:
        return archive_path(root, self.name, self.label, ext)

    def write(self, ext: str, path: Path) -> list[str]:
        truncated = self.writers[ext](path)
        return list(truncated or [])


def report_writers(report, *, as_report, sheet_specs, to_json, mask: bool = True) -> dict[str, Writer]:
    """The four writers of a deliverable shown both as sheets and as a report page (workload plan, rules
    impact): xlsx from sheet_specs(report), html and md through the report model, json from to_json(report).
    Every file is written atomically, masked unless mask=False (parkcrm.io.writer)."""
    import json

    from parkcrm.io.writer import write_text, write_xlsx

    def page(fmt: str) -> Writer:
        def write(path):
            from parkcrm.reports.render import render

            write_text(path, render(as_report(report), fmt), mask=mask)
        return write

    return {"xlsx": lambda path: write_xlsx(path, sheet_specs(report), mask=mask),
            "html": page("html"), "md": page("md"),
            "json": lambda path: write_text(path, json.dumps(to_json(report), ensure_ascii=False, default=str, indent=1),
                                            mask=mask)}


def extension_of(path: Path) -> str:
    """The writer a file name asks for: .xlsx, .html (or .htm), .md, .json; xlsx otherwise."""
    suffix = path.suffix.lower().lstrip(".")
    return {"htm": "html"}.get(suffix, suffix or "xlsx")

"""The one archive layout: 输出/YYYY-MM/<name>-<period>.<ext>, by the month the output covers.

Manual commands (in a project) and `parkcrm run` both file here, so the same deliverable for
the same period always has the same path. A week is filed under the month of its Thursday
(the month its ISO week belongs to, as for the data folders); a run summary under the month
of the run day.
"""

from __future__ import annotations

from pathlib import Path

from parkcrm.core.periods import Month, parse_period


def month_folder_name(year: int, month: int) -> str:
    return Month(year, month).label


def period_month(label: str) -> tuple[int, int]:
    """(year, month) of a period label (2026-11, 2026-W46, a date 2026-12-04, a range): the month holding its data."""
    return tuple(parse_period(label, "周期").data_month)


def file_name(name: str, label: str, ext: str) -> str:
    return f"{name}-{label}.{ext.lstrip('.')}"


def archive_path(root: Path, name: str, label: str, ext: str) -> Path:
    """Where the deliverable `name` for the period `label` is filed, e.g. 输出/2026-11/客户分级-2026-11.xlsx."""
    return Path(root) / month_folder_name(*period_month(label)) / file_name(name, label, ext)


def filed(root: Path | None, name: str, label: str) -> list[Path]:
    """The files already in the archive for this deliverable and period (any format, any timed copy)."""
    if root is None:
        return []
    folder = Path(root) / month_folder_name(*period_month(label))
    if not folder.is_dir():
        return []
    stem = f"{name}-{label}"
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and not p.name.startswith("~$") and (p.stem == stem or p.name.startswith(stem + "-")
                                                                    or p.name.startswith(stem + ".")))

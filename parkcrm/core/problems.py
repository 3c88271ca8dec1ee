"""Data problems as records (never exceptions): what validate, classify and the reader report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]


def column_letter(index: int) -> str:
    """0-based column index -> Excel letters (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass(frozen=True)
class Problem:
    """One finding about one place in one workbook.

    row is the Excel row number as the user sees it; column is the header text as in the
    file; cell is like "D17". Sheet-level problems leave row/column/cell empty.
    """

    code: str
    severity: Severity
    message: str
    file: str = ""
    sheet: str = ""
    row: int | None = None
    column: str = ""
    cell: str = ""
    value: str = field(default="", compare=False)

    def as_dict(self) -> dict:
        # built by hand: dataclasses.asdict deep-copies every field, seconds for 100,000s of problems
        return {"code": self.code, "severity": self.severity, "message": self.message, "file": self.file,
                "sheet": self.sheet, "row": self.row, "column": self.column, "cell": self.cell}

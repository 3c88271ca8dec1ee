"""The one small error hierarchy. The CLI turns each into a Chinese message and exit code 2."""

from __future__ import annotations


class ParkcrmError(Exception):
    """Base of every user-facing error; its message is Chinese and complete."""


class RulesError(ParkcrmError):
    """The rule pack is invalid; carries every problem found, each with file and line."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("规则包有误：\n" + "\n".join(f"  - {p}" for p in problems))


class WorkbookError(ParkcrmError):
    """A workbook cannot be read at all (format, encryption, corruption, no usable sheet)."""


class OutputLockedError(ParkcrmError):
    """The output file is open in another program (Excel) and cannot be replaced."""


class BusyError(ParkcrmError):
    """Another parkcrm run holds the lock."""


class CalendarError(ParkcrmError):
    """A date lies outside the years the holiday calendar knows."""

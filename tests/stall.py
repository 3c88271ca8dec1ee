"""Run parkcrm with a stall point, so that a test can kill the process exactly there.

    python tests/stall.py POINT MARKER SECONDS parkcrm-args...

POINT "import": inside the import transaction, after its last write (the months row).
POINT "output": a scheduled run's output is staged but not yet moved into the archive.
On reaching the point the file MARKER is written and the process sleeps SECONDS. The hook
lives here, not in the package: nothing left in an office PC's environment can stall a run.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path


def _stall(point: str, marker: str, seconds: float) -> None:
    Path(marker).write_text(point, encoding="utf-8")
    time.sleep(seconds)


def parkcrm_command(point: str | None, marker: Path, seconds: float) -> list[str]:
    """Arguments after the interpreter: -m parkcrm, or this script stopping at the point."""
    if not point:
        return ["-m", "parkcrm"]
    return [__file__, point, str(marker), str(seconds)]


def install(point: str, marker: str, seconds: float) -> None:
    if point == "import":
        from sqlalchemy.engine import Connection

        execute = Connection.execute

        def stalling_execute(self, statement, *args, **kwargs):
            result = execute(self, statement, *args, **kwargs)
            table = getattr(statement, "table", None)
            if getattr(statement, "is_insert", False) and getattr(table, "name", "") == "months":
                _stall(point, marker, seconds)
            return result

        Connection.execute = stalling_execute
    elif point == "output":
        from parkcrm.scheduled import files

        move = files._move

        def stalling_move(staged, target, *args, **kwargs):
            _stall(point, marker, seconds)
            return move(staged, target, *args, **kwargs)

        files._move = stalling_move
    else:
        raise SystemExit(f"unknown stall point {point}")


if __name__ == "__main__":
    point, marker, seconds, *args = sys.argv[1:]
    install(point, marker, float(seconds))
    from parkcrm.cli import main

    main(args)

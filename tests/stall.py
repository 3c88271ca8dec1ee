"""Run parkcrm with a stall point, so that a test can kill the process exactly there.

    python tests/stall.py POINT MARKER SECONDS parkcrm-args...

POINT "import": inside the import transaction, after its last write (the months row).
POINT "import-rows": inside the import transaction, right after the customers are inserted
(the month's old customers already deleted, the months row not yet written).
POINT "write": a store write transaction is about to begin (Store.write entered, lock not yet
asked for); with SECONDS 0 the marker only tells the test that the process got there.
POINT "output": a scheduled run's output is staged but not yet moved into the archive.
On reaching the point the file MARKER is written and the process sleeps SECONDS, or until
the test deletes MARKER (its release: the process then goes on at once). The hook lives
here, not in the package: nothing left in an office PC's environment can stall a run.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path


def _stall(point: str, marker: str, seconds: float) -> None:
    path = Path(marker)
    path.write_text(point, encoding="utf-8")
    end = time.monotonic() + seconds
    while time.monotonic() < end and path.exists():  # deleting the marker releases the stall early
        time.sleep(min(0.05, max(0.0, end - time.monotonic())))


def release(marker: Path) -> None:
    """Let a process stalled at its marker go on now."""
    Path(marker).unlink(missing_ok=True)


def parkcrm_command(point: str | None, marker: Path, seconds: float) -> list[str]:
    """Arguments after the interpreter: -m parkcrm, or this script stopping at the point."""
    if not point:
        return ["-m", "parkcrm"]
    return [__file__, point, str(marker), str(seconds)]


def install(point: str, marker: str, seconds: float) -> None:
    if point in ("import", "import-rows"):
        from sqlalchemy.engine import Connection

        execute = Connection.execute
        after = "months" if point == "import" else "customers"

        def stalling_execute(self, statement, *args, **kwargs):
            result = execute(self, statement, *args, **kwargs)
            table = getattr(statement, "table", None)
            if getattr(statement, "is_insert", False) and getattr(table, "name", "") == after:
                _stall(point, marker, seconds)
            return result

        Connection.execute = stalling_execute
    elif point == "write":
        from contextlib import contextmanager

        from parkcrm.store import Store

        write = Store.write

        @contextmanager
        def noted_write(self):
            _stall(point, marker, seconds)
            with write(self) as conn:
                yield conn

        Store.write = noted_write
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

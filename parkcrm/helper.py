"""One helper process for pure-Python work that would hold the GIL for a second or more.

python-stdnum checks each ID number in Python: on 100,000 customers that is most of a
second that threads cannot share. `validate` starts this helper before it reads the
workbooks, so the helper's start-up is hidden behind the reading, then hands it the check
digits while it runs the other checks.

The helper is a plain `python -m parkcrm.helper` child talking pickle over its stdin and
stdout, not multiprocessing: that would re-import the caller's main script in the child.
Anything that goes wrong with it (cannot start, dies, answers nonsense) makes the work run
in-process instead: the helper can only make things faster, never change a result.
"""

from __future__ import annotations

import importlib
import pickle
import struct
import subprocess
import sys
import threading
from typing import Any, BinaryIO, Callable, TypeVar

T = TypeVar("T")
_SIZE = struct.Struct("<Q")


def _send(stream: BinaryIO, obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_SIZE.pack(len(data)) + data)
    stream.flush()


def _receive(stream: BinaryIO) -> Any:
    head = stream.read(_SIZE.size)
    if len(head) < _SIZE.size:
        raise EOFError("helper closed its pipe")
    (size,) = _SIZE.unpack(head)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("helper closed its pipe")
    return pickle.loads(data)


def inline(fn: Callable[..., T], *args: Any) -> Callable[[], T]:
    """The helper's interface without a process: compute when asked."""
    return lambda: fn(*args)


class Helper:
    """Run module-level functions in the child, one job at a time, in the order submitted."""

    def __init__(self, warm_up: str = "parkcrm.checkdigits") -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "parkcrm.helper", warm_up], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),  # no console flashing up on Windows
            )
        except (OSError, ValueError):  # no interpreter to start (frozen app, locked-down PC): run in-process
            self._proc = None

    def submit(self, fn: Callable[..., T], *args: Any) -> Callable[[], T]:
        """Start fn(*args) in the helper; the returned function waits for its result (or
        computes it in-process if the helper failed). fn must be importable by name."""
        sent = False
        if self._proc is not None:
            try:
                with self._lock:
                    _send(self._proc.stdin, (fn.__module__, fn.__qualname__, args))
                sent = True
            except (OSError, ValueError, pickle.PicklingError, AttributeError):
                self.close()

        def result() -> T:
            if sent and self._proc is not None:
                try:
                    with self._lock:
                        ok, value = _receive(self._proc.stdout)
                    if ok:
                        return value
                except (OSError, ValueError, EOFError, pickle.UnpicklingError):
                    self.close()
            return fn(*args)  # fn is pure: doing it here gives the same answer

        return result

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            proc.stdin.close()  # the child's loop ends at end of input
            proc.wait(timeout=5)
        except Exception:
            proc.kill()
        finally:
            if proc.stdout:
                proc.stdout.close()

    def __enter__(self) -> "Helper":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def serve(stdin: BinaryIO, stdout: BinaryIO) -> None:
    """The child's loop: (module, function name, args) in, (ok, result) out, until end of input."""
    while True:
        try:
            module, name, args = _receive(stdin)
        except EOFError:
            return
        try:
            fn = importlib.import_module(module)
            for part in name.split("."):
                fn = getattr(fn, part)
            answer = (True, fn(*args))
        except Exception as exc:  # the caller computes it itself and sees the error there
            answer = (False, repr(exc))
        _send(stdout, answer)


if __name__ == "__main__":
    for module in sys.argv[1:]:
        importlib.import_module(module)  # load while the caller is still reading its input
    serve(sys.stdin.buffer, sys.stdout.buffer)

"""One helper process for pure-Python work that would hold the GIL for a second or more.

python-stdnum checks each ID number in Python: on 100,000 customers that is most of a
second that threads cannot share. `validate` starts this helper before it reads the
workbooks, so the helper's start-up is hidden behind the reading, then hands it the check
digits while it runs the other checks.

The helper is a plain `python -c` child (see _CHILD) talking pickle over its stdin and
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
from pathlib import Path
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


# the child imports parkcrm from where this process did (not whatever its own sys.path finds first)
_ROOT = str(Path(__file__).resolve().parent.parent)
_CHILD = "import sys; sys.path.insert(0, sys.argv[1]); from parkcrm.helper import main; main(sys.argv[2:])"


def inline(fn: Callable[..., T], *args: Any) -> Callable[[], T]:
    """The helper's interface without a process: compute when asked."""
    return lambda: fn(*args)


class Helper:
    """Run module-level functions in the child, one job at a time, in the order submitted."""

    # a job not answered by then is done in-process (a child stuck at start-up must not hang a cron run)
    timeout = 120.0

    def __init__(self, warm_up: str = "parkcrm.checkdigits") -> None:
        self._proc: subprocess.Popen | None = None
        self._jobs = 0
        self._answers: dict[int, tuple[bool, Any]] = {}
        self._done = threading.Condition()
        if getattr(sys, "frozen", False) or not sys.executable:  # no plain interpreter to run the child
            return
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-c", _CHILD, _ROOT, warm_up],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,  # its failures mean "do it here"
                creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),  # no console flashing up on Windows
            )
        except (OSError, ValueError):  # no interpreter to start (frozen app, locked-down PC): run in-process
            self._proc = None
            return
        self._collector = threading.Thread(target=self._collect, args=(self._proc,), daemon=True, name="parkcrm-helper")
        self._collector.start()

    def _collect(self, proc: subprocess.Popen) -> None:
        """Answers (job number, ok, value) as they come, until the child closes its output."""
        try:
            while True:
                job, ok, value = _receive(proc.stdout)
                with self._done:
                    self._answers[job] = (ok, value)
                    self._done.notify_all()
        except Exception:  # closed, died or garbled: whoever waits computes in-process
            with self._done:
                self._answers[-1] = (False, None)
                self._done.notify_all()

    def submit(self, fn: Callable[..., T], *args: Any) -> Callable[[], T]:
        """Start fn(*args) in the helper; the returned function waits for its result (or
        computes it in-process if the helper failed). fn must be importable by name."""
        job = None
        proc = self._proc
        if proc is not None:
            try:
                job = self._jobs = self._jobs + 1
                _send(proc.stdin, (job, fn.__module__, fn.__qualname__, args))
            except (OSError, ValueError, pickle.PicklingError, AttributeError, TypeError):
                job = None
                self.close()

        def result() -> T:
            if job is not None:
                with self._done:
                    self._done.wait_for(lambda: job in self._answers or -1 in self._answers, self.timeout)
                    ok, value = self._answers.pop(job, (False, None))
                if ok:
                    return value
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
            proc.wait()
        self._collector.join(timeout=5)  # it stops at the end of the child's output
        proc.stdout.close()

    def __enter__(self) -> "Helper":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def serve(stdin: BinaryIO, stdout: BinaryIO) -> None:
    """The child's loop: (job, module, function name, args) in, (job, ok, result) out, until end of input."""
    while True:
        try:
            job, module, name, args = _receive(stdin)
        except EOFError:
            return
        try:
            fn = importlib.import_module(module)
            for part in name.split("."):
                fn = getattr(fn, part)
            answer = (job, True, fn(*args))
        except Exception as exc:  # the caller computes it itself and sees the error there
            answer = (job, False, repr(exc))
        _send(stdout, answer)


def main(warm_up: list[str]) -> None:
    try:
        for module in warm_up:
            importlib.import_module(module)  # load while the caller is still reading its input
        serve(sys.stdin.buffer, sys.stdout.buffer)
    except (KeyboardInterrupt, BrokenPipeError):  # Ctrl-C reaches the whole process group; the caller reports it
        pass

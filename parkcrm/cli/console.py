"""All terminal output goes through here: data to stdout, messages to stderr.

Under Task Scheduler or pythonw there may be no console at all (sys.stdout is None), and a
Chinese Windows pipe uses cp936: printing must never crash, and rich (colours, live
progress) is used only on a real terminal.

Every line printed is masked (resident IDs, mobiles), whatever produced it: a table, a
message quoting a cell, an error. Only a command run with --no-mask prints full numbers.
"""

from __future__ import annotations

import io
import os
import sys
from contextlib import contextmanager
from typing import Iterator

from parkcrm.core.privacy import mask_json_text, mask_text


def _stream(name: str):
    stream = getattr(sys, name, None)
    if stream is None:
        return open(os.devnull, "w", encoding="utf-8")
    try:
        stream.reconfigure(errors="replace")
    except (AttributeError, ValueError, io.UnsupportedOperation):
        pass
    return stream


WIDE = 1000  # columns a table may take when output is not a terminal


class MaskingStream:
    """A text stream that masks IDs and mobiles in everything written to it."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(mask_text(text))
        return len(text)

    def __getattr__(self, name):
        return getattr(self._stream, name)


class Console:
    def __init__(self, quiet: bool = False, mask: bool = True):
        self.mask = mask
        self.out = _stream("stdout")
        self.err_stream = _stream("stderr")
        if mask:
            self.out, self.err_stream = MaskingStream(self.out), MaskingStream(self.err_stream)
        self.quiet = quiet
        self.tty = bool(getattr(self.err_stream, "isatty", lambda: False)()) and os.environ.get("TERM") != "dumb"
        self._rich = self._rich_out = None  # made when first used: a quiet run may print nothing at all

    @property
    def rich(self):
        """Messages (stderr)."""
        if self._rich is None:
            from rich.console import Console as RichConsole

            self._rich = RichConsole(file=self.err_stream, force_terminal=self.tty or None, no_color=not self.tty,
                                     highlight=False, soft_wrap=not self.tty, emoji=False)
        return self._rich

    @property
    def rich_out(self):
        """Human output (stdout)."""
        if self._rich_out is None:
            from rich.console import Console as RichConsole

            # piped or scheduled, nothing is cut at 80 columns: tables are as wide as their content
            out_tty = bool(getattr(self.out, "isatty", lambda: False)())
            self._rich_out = RichConsole(file=self.out, no_color=not self.tty, highlight=False, emoji=False,
                                         soft_wrap=True, width=None if out_tty else WIDE)
        return self._rich_out

    def data(self, text: str | list, masked: bool = False) -> None:
        """Machine-readable output (JSON, CSV): always UTF-8 on stdout (JSON: masked inside its strings only).
        masked=True: the caller encoded data already masked (parkcrm.core.privacy.mask_json_data);
        text may be a list of UTF-8 chunks (bytes-like) of the text, as jsonout.dumps(utf8=True) makes."""
        if isinstance(text, list):
            if masked and self.mask:
                self._write_utf8(text)
                return
            text = b"".join(text).decode("utf-8")
        if self.mask:
            if not masked:
                text = mask_json_text(text) if text.lstrip()[:1] in ("{", "[") else mask_text(text)
        else:
            from parkcrm.io.writer import with_full_numbers_notice

            text = with_full_numbers_notice(text, ".json" if text.lstrip()[:1] == "{" else "")
        self._write_utf8([text.encode("utf-8")])

    def _write_utf8(self, chunks: list) -> None:
        """The UTF-8 chunks (bytes-like) of a text, and a line break unless the text ends with one."""
        chunks = [memoryview(c).cast("B") for c in chunks]
        chunks = [c for c in chunks if len(c)]
        ends = bool(chunks) and chunks[-1][-1:] == b"\n"
        buffer = getattr(self.out, "buffer", None)
        if buffer is not None:
            self.out.flush()
            for chunk in chunks:
                buffer.write(chunk)
            if not ends:
                buffer.write(b"\n")
            buffer.flush()
        else:
            text = b"".join(chunks).decode("utf-8")
            self.out.write(text + ("" if ends else "\n"))

    def data_json(self, data, dumps) -> None:
        """data as JSON (dumps(data) -> text, or its UTF-8 bytes) on stdout, masked inside its strings as
        data() does, but masked before encoding: no scan of a large encoded text."""
        if self.mask:
            from parkcrm.core.privacy import mask_json_data

            masked = mask_json_data(data)
            if masked is not None:
                self.data(dumps(masked), masked=True)
                return
        self.data(dumps(data))

    def print(self, *objects, **kwargs) -> None:
        """Human output (tables, summaries) to stdout."""
        self.rich_out.print(*objects, **kwargs)

    def info(self, text: str) -> None:
        if not self.quiet:
            self.rich.print(text, markup=False)

    def warn(self, text: str) -> None:
        self.rich.print(("[yellow]" if self.tty else "") + _escape(text) + ("[/yellow]" if self.tty else ""))

    def error(self, text: str) -> None:
        self.rich.print(("[bold red]" if self.tty else "") + _escape(text) + ("[/bold red]" if self.tty else ""))

    @contextmanager
    def progress(self, label: str) -> Iterator:
        """A spinner with a changing status on a terminal; nothing at all otherwise."""
        if not self.tty or self.quiet:
            yield lambda text: None
            return
        with self.rich.status(label) as status:
            yield lambda text: status.update(_escape(text))


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)

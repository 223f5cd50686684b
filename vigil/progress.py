"""Progress of long commands (synthesis of many stacks, import of thousands of alarms, the benchmark) as one status
line redrawn in place on a terminal, and nothing at all elsewhere: CI logs, pipes and files stay clean."""

from __future__ import annotations

import os
import sys
import time
from types import TracebackType
from typing import TextIO

from vigil.terminal import is_terminal

CLEAR = "\r\x1b[K"
"""Carriage return and erase to the end of the line (ANSI): the status line is redrawn in place."""
INTERVAL = 0.1
"""Seconds between redraws: progress callbacks may come thousands of times a second."""


def interactive(stream: TextIO) -> bool:
    """Whether progress is shown on `stream`: it is a terminal (vigil/terminal.py) and no CI variable is set (some
    CI runners allocate a pseudo-terminal)."""
    return is_terminal(stream) and not os.environ.get("CI")


class StatusLine:
    """One line of progress on `stream` (default stderr, keeping stdout for reports). Call it with a message, or
    `count(what, done, total, item)`; use it as a context manager, or `close()` it, to erase the line at the end.
    Disabled (every call does nothing) when `enabled` is False, or by default when the stream is not interactive.
    """

    def __init__(self, stream: TextIO | None = None, *, enabled: bool | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = interactive(self.stream) if enabled is None else enabled
        self.shown = False
        self.last = 0.0

    def __call__(self, message: str) -> None:
        """Show `message` (cut to the terminal's width) in place of the previous one."""
        self._draw(message, force=True)

    def count(self, what: str, done: int, total: int, item: str = "") -> None:
        """E.g. `synth: 12/48 stacks: vigil-prod-coaching`; redrawn at most every INTERVAL, and always at the end."""
        self._draw(f"{what} {done}/{total}" + (f": {item}" if item else ""), force=done >= total)

    def close(self) -> None:
        """Erase the status line, so that what is printed next starts on a clean line."""
        if self.enabled and self.shown:
            self.stream.write(CLEAR)
            self.stream.flush()
            self.shown = False

    def __enter__(self) -> StatusLine:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def _draw(self, message: str, force: bool) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self.last < INTERVAL:
            return
        self.last = now
        width = _columns() - 1
        self.stream.write(CLEAR + (message if len(message) <= width else message[:width - 1] + "…"))
        self.stream.flush()
        self.shown = True


def _columns() -> int:
    """The terminal's width; 100 when it reports none (or an implausibly narrow one)."""
    try:
        columns = os.get_terminal_size(sys.stderr.fileno()).columns
    except (OSError, ValueError):
        return 100
    return columns if columns >= 40 else 100

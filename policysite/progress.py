"""Show how far a long build has got, on one rewritten line, only when a person is watching a terminal.

Off by default: in CI, in tests and whenever stdout is not a terminal the build prints nothing here,
so its output stays line-oriented. build.py turns it on for a terminal.
"""

from __future__ import annotations

import sys
import time

INTERVAL = 0.1      # seconds between redraws
_stream = None      # where to draw, or None when off
_last = 0.0


def enable(stream=None) -> None:
    """Draw progress on stream (stdout by default) from now on."""
    global _stream
    _stream = stream or sys.stdout


def disable() -> None:
    """Stop drawing progress."""
    global _stream
    clear()
    _stream = None


def step(stage: str, done: int, total: int) -> None:
    """Say that done of total items of a stage are finished, at most every INTERVAL seconds."""
    global _last
    if _stream is None:
        return
    now = time.monotonic()
    if now - _last < INTERVAL and done != total:
        return
    _last = now
    width = 24
    filled = width * done // total if total else width
    _stream.write(f"\r\x1b[K{stage:<10} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    _stream.flush()


def clear() -> None:
    """Remove the progress line, so what follows starts on a clean line."""
    if _stream is not None:
        _stream.write("\r\x1b[K")
        _stream.flush()

"""A progress bar for long embed calls: tqdm when it is installed, else a plain one on stderr.

tqdm is not a dependency (the package depends on protobuf and numpy only); most notebook and
ML environments have it, and where they do its bar is the one users know. The fallback redraws
one line with a carriage return, at most ten times a second.
"""

from __future__ import annotations

import sys
import time
from typing import Any, Optional, Protocol, TextIO

__all__ = ["Progress", "make_progress"]


class Progress(Protocol):
    """What the client needs of a progress bar."""

    def update(self, n: int) -> Any: ...

    def close(self) -> Any: ...


class _NoProgress:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


class _StderrBar:
    """``desc: 40% |########            | 400/1000 [2.1s]`` on one redrawn line."""

    def __init__(self, total: int, desc: str, stream: Optional[TextIO] = None, width: int = 30) -> None:
        self._total = max(total, 1)
        self._desc = desc
        self._stream = stream if stream is not None else sys.stderr
        self._width = width
        self._done = 0
        self._started = time.monotonic()
        self._drawn = 0.0
        self._draw(force=True)

    def update(self, n: int) -> None:
        self._done += n
        self._draw(force=self._done >= self._total)

    def close(self) -> None:
        self._draw(force=True)
        self._stream.write("\n")
        self._stream.flush()

    def _draw(self, force: bool) -> None:
        now = time.monotonic()
        if not force and now - self._drawn < 0.1:
            return
        self._drawn = now
        fraction = min(self._done / self._total, 1.0)
        filled = int(fraction * self._width)
        bar = "#" * filled + " " * (self._width - filled)
        self._stream.write(f"\r{self._desc}: {fraction:4.0%} |{bar}| {self._done}/{self._total} "
                           f"[{now - self._started:.1f}s]")
        self._stream.flush()


def make_progress(total: int, enabled: bool, desc: str = "Embedding") -> Progress:
    """A bar counting ``total`` inputs, or one that does nothing when ``enabled`` is false."""
    if not enabled:
        return _NoProgress()
    try:
        from tqdm.auto import tqdm  # optional
    except ImportError:
        return _StderrBar(total, desc)
    return tqdm(total=total, desc=desc, unit="input")  # type: ignore[no-any-return]

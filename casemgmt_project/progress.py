"""Progress for long management commands (replay, rebuild, benchmarks), drawn by tqdm.

The services report `on_progress(done, total)`; this adapter turns those calls into one tqdm
bar, so the services stay free of any terminal concern. The bar is drawn only when the stream
is a terminal: in a pipeline or a container log, stderr keeps carrying JSON lines alone.
"""

from __future__ import annotations

import sys
from typing import TextIO

from tqdm import tqdm


class ProgressBar:
    """A callable `(done, total)` that advances a tqdm bar and closes it when done."""

    def __init__(self, label: str, stream: TextIO = sys.stderr):
        self.label = label
        # A command's self.stderr is Django's OutputWrapper, which ends every write with a
        # newline; tqdm redraws its line with "\r", so it gets the wrapped stream itself.
        self.stream = getattr(stream, "_out", stream)
        self._bar: tqdm | None = None

    def _on_terminal(self) -> bool:
        isatty = getattr(self.stream, "isatty", None)
        return bool(isatty and isatty())

    @property
    def started(self) -> bool:
        """Whether anything was drawn yet (a caller may skip a bar that would be complete)."""
        return self._bar is not None

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            # Drawn on a terminal only, so piped stderr stays JSON log lines. (tqdm's own
            # disable=None asks its write-error wrapper, which never reports a terminal.)
            self._bar = tqdm(
                total=total,
                desc=self.label,
                unit=" " + self.label,
                file=self.stream,
                disable=not self._on_terminal(),
            )
        self._bar.total = max(total, done)
        self._bar.update(done - self._bar.n)
        if done >= total:
            self._bar.close()

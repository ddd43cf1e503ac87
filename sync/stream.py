"""A growing window onto the receive stream, addressed by absolute sample index."""

from __future__ import annotations

import numpy as np


class SampleStream:
    """Holds samples [start, end) of the stream; older ones are discarded on request.

    Absolute indices count every sample handed to :meth:`append` since construction, so a
    burst's ``timing`` stays meaningful across buffers.
    """

    def __init__(self, capacity: int = 1 << 16):
        self._buf = np.zeros(capacity, np.complex64)
        self._lo = 0          # offset of `start` inside _buf
        self._hi = 0          # offset of `end` inside _buf
        self.start = 0        # absolute index of the oldest sample held

    @property
    def end(self) -> int:
        """Absolute index one past the newest sample."""
        return self.start + self._hi - self._lo

    def append(self, x: np.ndarray) -> None:
        n = x.shape[0]
        if self._hi + n > self._buf.shape[0]:
            held = self._hi - self._lo
            if held + n > self._buf.shape[0] // 2:
                new = np.zeros(max(2 * (held + n), 1 << 16), np.complex64)
            else:
                new = self._buf
            new[:held] = self._buf[self._lo:self._hi]
            self._buf, self._lo, self._hi = new, 0, held
        self._buf[self._hi:self._hi + n] = x
        self._hi += n

    def view(self, start: int | None = None, stop: int | None = None) -> np.ndarray:
        """complex64 view of absolute samples [start, stop) (clamped to what is held)."""
        a = self.start if start is None else max(start, self.start)
        b = self.end if stop is None else min(stop, self.end)
        b = max(a, b)
        return self._buf[self._lo + a - self.start: self._lo + b - self.start]

    def discard_before(self, index: int) -> None:
        """Forget samples older than absolute ``index``."""
        index = min(max(index, self.start), self.end)
        self._lo += index - self.start
        self.start = index

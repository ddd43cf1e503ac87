"""Where the receive stream starts and where it loses samples.

:class:`StartOffset`: the receiver starts listening a random number of samples before the
first transmitted sample (the stream begins with that many samples of silence).
:class:`Overflow`: USB overflows drop chunks of received samples; events form a Poisson
process in the absolute output sample index, so any buffer split drops the same samples.
"""

from __future__ import annotations

import numpy as np

from radio.errors import RadioError


class StartOffset:
    """Prepends ``offset`` zeros (drawn uniformly from 0 .. max_samples) to the first call's samples."""

    def __init__(self, max_samples: int, rng: np.random.Generator):
        if max_samples < 0:
            raise RadioError(f"start offset must be >= 0 samples, got {max_samples}")
        self.offset = int(rng.integers(0, max_samples + 1)) if max_samples else 0
        self._done = False

    def apply(self, x: np.ndarray) -> np.ndarray:
        """x: complex [N] -> complex128 [N + offset] on the first call, [N] afterwards."""
        x = x.astype(np.complex128, copy=False)
        if self._done or self.offset == 0:
            self._done = True
            return x
        self._done = True
        return np.concatenate([np.zeros(self.offset, dtype=np.complex128), x])


class Overflow:
    """Drops chunks of ``drop_len`` samples at Poisson times, ``rate`` events per sample."""

    def __init__(self, rate: float, drop_len: int, rng: np.random.Generator):
        if rate < 0 or drop_len < 1:
            raise RadioError("overflow rate must be >= 0 and drop length >= 1 sample")
        self.rate = float(rate)
        self.drop_len = int(drop_len)
        self._rng = rng
        self._n = 0           # absolute index of the next input sample
        self._next = self._draw_next(0)
        self.dropped = 0      # samples dropped so far
        self.events: list[int] = []   # absolute input index where each drop began

    def _draw_next(self, after: int) -> float:
        if self.rate == 0:
            return np.inf
        return after + int(np.ceil(self._rng.exponential(1.0 / self.rate)))

    def apply(self, x: np.ndarray) -> np.ndarray:
        """x: complex [N] -> complex128 [M <= N], the dropped chunks removed."""
        n = len(x)
        end = self._n + n
        if self._next >= end:                      # no drop in this call
            self._n = end
            return x.astype(np.complex128, copy=False)
        keep = np.ones(n, dtype=bool)
        while self._next < end:
            start = int(self._next)
            if not self.events or self.events[-1] != start:
                self.events.append(start)
            lo, hi = max(start, self._n), min(start + self.drop_len, end)
            keep[lo - self._n:hi - self._n] = False
            if start + self.drop_len > end:
                break   # the chunk continues into the next call
            self._next = self._draw_next(start + self.drop_len)
        self._n = end
        self.dropped += int(n - keep.sum())
        return x[keep].astype(np.complex128, copy=False)

"""Carrier-frequency offset: a rotation exp(j 2 pi f t) that stays phase-continuous across calls.

On the AD9361 one crystal drives both the LO and the sample clock, so a transmitter crystal
``ppm`` fast shifts the carrier by ``+ppm * 1e-6 * center_freq`` Hz *and* the sample clock by
the same ppm (see :mod:`radio.channel.sfo`).
"""

from __future__ import annotations

import numpy as np


class FrequencyOffset:
    """Rotates samples at ``offset_hz`` (settable between calls) for a sample rate in Hz."""

    def __init__(self, offset_hz: float, sample_rate: float, phase0: float = 0.0):
        self.offset_hz = float(offset_hz)
        self.sample_rate = float(sample_rate)
        self._cycles = (phase0 / (2 * np.pi)) % 1.0   # phase of the next sample, in cycles

    def apply(self, x: np.ndarray) -> np.ndarray:
        """x: complex [N] -> complex128 [N] rotated by the offset."""
        if self.offset_hz == 0.0 and self._cycles == 0.0:
            return x.astype(np.complex128, copy=False)
        step = self.offset_hz / self.sample_rate
        cycles = self._cycles + step * np.arange(len(x))
        self._cycles = (self._cycles + step * len(x)) % 1.0   # fractional: no precision drift
        return x * np.exp(2j * np.pi * cycles)

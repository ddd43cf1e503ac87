"""Oscillator phase noise as a Wiener process (free-running oscillators, Lorentzian spectrum).

The phase performs a random walk with per-sample increment variance
``2 * pi * linewidth_hz / sample_rate`` rad^2, where ``linewidth_hz`` is the combined 3-dB
linewidth of both boards' oscillators. The walk carries over between calls.
"""

from __future__ import annotations

import numpy as np

from radio.errors import RadioError


class WienerPhaseNoise:
    """Multiplies samples by exp(j phi[n]), phi a Wiener process with the given linewidth."""

    def __init__(self, linewidth_hz: float, sample_rate: float, rng: np.random.Generator):
        if linewidth_hz < 0:
            raise RadioError(f"phase-noise linewidth must be >= 0 Hz, got {linewidth_hz}")
        self.linewidth_hz = float(linewidth_hz)
        self.step_std = float(np.sqrt(2 * np.pi * linewidth_hz / sample_rate))   # rad per sample
        self._rng = rng
        self._phase = 0.0

    def apply(self, x: np.ndarray) -> np.ndarray:
        """x: complex [N] -> complex128 [N] with the phase walk applied."""
        if self.step_std == 0.0 or len(x) == 0:
            return x.astype(np.complex128, copy=False)
        phi = self._phase + np.cumsum(self.step_std * self._rng.standard_normal(len(x)))
        self._phase = float(np.remainder(phi[-1], 2 * np.pi))
        return x * np.exp(1j * phi)

"""Receiver IQ gain/phase imbalance: y = K1 x + K2 conj(x).

With Q-branch gain ``g = 10**(gain_db/20)`` and phase error ``phi``:
``K1 = (1 + g exp(-j phi)) / 2``, ``K2 = (1 - g exp(j phi)) / 2``; a tone at +f then has an
image at -f, ``image rejection = |K1|^2 / |K2|^2 = (1 + g^2 + 2 g cos phi) / (1 + g^2 - 2 g cos phi)``.
"""

from __future__ import annotations

import numpy as np


class IQImbalance:
    """Applies the gain (dB) / phase (degrees) imbalance of the I and Q branches."""

    def __init__(self, gain_db: float = 0.0, phase_deg: float = 0.0):
        g = 10.0 ** (gain_db / 20.0)
        phi = np.deg2rad(phase_deg)
        self.k1 = (1 + g * np.exp(-1j * phi)) / 2
        self.k2 = (1 - g * np.exp(1j * phi)) / 2

    @property
    def image_rejection_db(self) -> float:
        """Image rejection ratio in dB (inf when balanced)."""
        if self.k2 == 0:
            return float("inf")
        return float(10 * np.log10(abs(self.k1) ** 2 / abs(self.k2) ** 2))

    def apply(self, x: np.ndarray) -> np.ndarray:
        """x: complex [N] -> complex128 [N]."""
        if self.k2 == 0 and self.k1 == 1:
            return x.astype(np.complex128, copy=False)
        return self.k1 * x + self.k2 * np.conj(x)

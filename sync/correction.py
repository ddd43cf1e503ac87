"""Receive-path corrections from a board's calibration: DC offset, IQ imbalance, carrier offset.

The receiver applies them when its profile carries an ``rx_correction`` (a profile made by
``calibration.apply_profile``); a plain ``RadioProfile`` has none and nothing changes.

Model (the same as ``radio.channel``): the received baseband is
``y = K1·x + K2·conj(x) + dc`` with the Q branch off by gain ``g = 10**(iq_gain_db/20)`` and
phase ``phi``, i.e. ``I = Re x`` and ``Q = g·(Im x·cos phi − Re x·sin phi)``; ``x`` itself
rotates at the carrier offset ``cfo_hz``. Undoing it, in order:

1. DC: the front end's DC blocker starts from ``dc_offset`` instead of zero (no settling
   transient on the first bursts) and keeps tracking drift;
2. IQ: ``Re x̂ = I``, ``Im x̂ = Q / (g·cos phi) + I·tan phi`` (exact inverse, a real 2×2 map,
   so it commutes with the DC blocker);
3. CFO: ``x̂·exp(−j2π·cfo_hz·n/fs)``, phase-continuous over buffers — the burst detector then
   searches around this starting estimate, and the receiver adds it back to what it reports.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RxCorrection:
    """One board's receive corrections. dc_offset: complex, full-scale units; iq_gain_db: Q
    branch gain relative to I (dB); iq_phase_deg: quadrature phase error (degrees); cfo_hz:
    carrier offset of the far transmitter (Hz, positive: it arrives above our LO)."""

    dc_offset: complex = 0j
    iq_gain_db: float = 0.0
    iq_phase_deg: float = 0.0
    cfo_hz: float = 0.0

    @property
    def active(self) -> bool:
        return bool(self.iq_gain_db or self.iq_phase_deg or self.cfo_hz)


def rx_correction(profile) -> RxCorrection:
    """The corrections a profile carries (``profile.rx_correction``), else none."""
    corr = getattr(profile, "rx_correction", None)
    return corr if isinstance(corr, RxCorrection) else RxCorrection()


def iq_correct(x: np.ndarray, gain_db: float, phase_deg: float) -> np.ndarray:
    """Undo a receive IQ imbalance: x complex [N] (DC already removed) → complex64 [N]."""
    x = np.asarray(x, np.complex64)
    if not gain_db and not phase_deg:
        return x
    g = 10.0 ** (gain_db / 20.0)
    phi = np.deg2rad(phase_deg)
    i, q = x.real, x.imag
    out = np.empty_like(x)
    out.real = i
    out.imag = q * np.float32(1.0 / (g * np.cos(phi))) + i * np.float32(np.tan(phi))
    return out


class RxCorrector:
    """Streaming IQ correction and CFO derotation: ``process(x complex64 [N]) -> complex64 [N]``."""

    def __init__(self, correction: RxCorrection, sample_rate: float):
        self.correction = correction
        self.step = float(correction.cfo_hz) / float(sample_rate)   # cycles per sample
        self._cycles = 0.0          # phase of the next sample, cycles (kept fractional)

    def process(self, x: np.ndarray) -> np.ndarray:
        c = self.correction
        y = iq_correct(x, c.iq_gain_db, c.iq_phase_deg)
        if self.step and y.size:
            cyc = self._cycles + self.step * np.arange(y.size, dtype=np.float64)
            self._cycles = (self._cycles + self.step * y.size) % 1.0
            y = (y * np.exp(-2j * np.pi * cyc)).astype(np.complex64)
        return y

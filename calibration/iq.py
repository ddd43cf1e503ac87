"""DC offset and IQ gain/phase imbalance of a board's receiver, from its own noise.

With the transmitter quiet, what reaches the mixer is thermal noise: circular, equal power in
I and Q, I and Q uncorrelated. The receiver's imbalance (the model of
:mod:`sync.correction`: ``I = Re x``, ``Q = g·(Im x·cos φ − Re x·sin φ)``) breaks exactly that:

    E[Q²] / E[I²] = g²,      E[I·Q] / sqrt(E[I²]·E[Q²]) = −sin φ,

and the DC offset is the mean. No test signal is involved, so the transmitter's own imbalance
cannot leak into the estimate. The standard error is about 1/sqrt(N) (N = 2^18 samples:
0.02 dB and 0.1°). The noise must sit well above the ADC's step (quantisation noise is equal
in I and Q and pulls the estimate towards balance): ``min_noise_dbfs`` guards that.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from calibration.capture import Link, dbfs
from calibration.errors import CalibrationError

MIN_NOISE_DBFS = -55.0    # ≈ 4 ADC counts RMS per branch: quantisation costs < 0.5 % of the noise


@dataclass
class IQImbalance:
    """dc_offset [I, Q] full-scale units at rx_gain_db; gain_db: Q branch gain relative to I;
    phase_deg: quadrature phase error; image_rejection_db (inf-free: capped at 100 dB);
    noise_dbfs: the noise power it was measured on; n_samples."""

    dc_offset: list[float] = field(default_factory=lambda: [0.0, 0.0])
    gain_db: float = 0.0
    phase_deg: float = 0.0
    image_rejection_db: float = 100.0
    rx_gain_db: float = 0.0
    noise_dbfs: float = -200.0
    n_samples: int = 0

    @property
    def dc(self) -> complex:
        return complex(self.dc_offset[0], self.dc_offset[1])


def image_rejection_db(gain_db: float, phase_deg: float) -> float:
    """|K1|²/|K2|² of the imbalance in dB, capped at 100 dB."""
    g = 10 ** (gain_db / 20)
    phi = np.deg2rad(phase_deg)
    num = 1 + g * g + 2 * g * np.cos(phi)
    den = 1 + g * g - 2 * g * np.cos(phi)
    return float(min(100.0, 10 * np.log10(num / max(den, 1e-30))))


def estimate_iq(x: np.ndarray) -> tuple[complex, float, float]:
    """x complex [N] of circular noise through the receiver → (dc, gain_db, phase_deg)."""
    x = np.asarray(x, np.complex128)
    if x.size < 1024:
        raise CalibrationError(f"IQ estimation needs at least 1024 samples, got {x.size}")
    dc = complex(x.mean())
    z = x - dc
    pi = float(np.mean(z.real ** 2))
    pq = float(np.mean(z.imag ** 2))
    if pi <= 0 or pq <= 0:
        raise CalibrationError("the receiver delivered no noise (all samples equal); raise the RX gain")
    c = float(np.mean(z.real * z.imag))
    gain_db = 10 * np.log10(pq / pi)
    phase = np.arcsin(np.clip(-c / np.sqrt(pi * pq), -1.0, 1.0))
    return dc, float(gain_db), float(np.rad2deg(phase))


def measure_dc(link: Link, rx_gain_db: float | None = None, n_samples: int = 1 << 16) -> list[float]:
    """DC offset [I, Q] (full-scale units) of the quiet receiver at ``rx_gain_db``."""
    link.quiet()
    if rx_gain_db is not None:
        link.set_gains(rx_gain_db=rx_gain_db)
    m = complex(link.capture(n_samples).astype(np.complex128).mean())
    return [m.real, m.imag]


def measure_iq(link: Link, rx_gain_db: float | None = None, n_samples: int = 1 << 18,
               min_noise_dbfs: float = MIN_NOISE_DBFS) -> IQImbalance:
    """Estimate the receiver's DC offset and IQ imbalance with the transmitter quiet, at
    ``rx_gain_db`` (None: the board's current gain)."""
    link.quiet()
    if rx_gain_db is not None:
        link.set_gains(rx_gain_db=rx_gain_db)
    gain_now = float(link.rx.rx_hardwaregain_chan0)
    x = link.capture(n_samples)
    dc, g_db, ph = estimate_iq(x)
    noise = dbfs(np.mean(np.abs(x - dc) ** 2))
    if noise < min_noise_dbfs:
        raise CalibrationError(f"the noise at RX gain {gain_now:g} dB is only {noise:.1f} dBFS, too close to the "
                        f"ADC's step for an IQ estimate (need > {min_noise_dbfs:g} dBFS); raise the RX gain")
    return IQImbalance(dc_offset=[dc.real, dc.imag], gain_db=g_db, phase_deg=ph,
                       image_rejection_db=image_rejection_db(g_db, ph), rx_gain_db=gain_now,
                       noise_dbfs=noise, n_samples=int(x.size))

"""Carrier-frequency offset: fractional (detection part), even-integer subcarrier offset
(training symbol, frequency domain) and fine (training repetition), plus derotation.

Convention: a received signal r[n] = s[n]·exp(+j2π·cfo·n/fs); :func:`derotate` undoes it.
"""

from __future__ import annotations

import numpy as np


def fractional_cfo(p_sum: complex, lag: int, sample_rate: float) -> float:
    """CFO in Hz from the angle of the lag-``lag`` autocorrelation; unambiguous to ±fs/(2·lag)."""
    return float(np.angle(p_sum)) * sample_rate / (2 * np.pi * lag)


def derotate(x: np.ndarray, cfo_hz: float, sample_rate: float, n0: float = 0.0) -> np.ndarray:
    """x complex [L] → complex64 [L]: x[n]·exp(-j2π·cfo·(n + n0)/fs)."""
    n = np.arange(x.shape[0], dtype=np.float64) + n0
    return (x * np.exp(-2j * np.pi * (cfo_hz / sample_rate) * n)).astype(np.complex64)


def integer_cfo(spectrum: np.ndarray, used_freqs: np.ndarray, known: np.ndarray,
                shifts: np.ndarray) -> tuple[int, float]:
    """Which subcarrier shift best explains a received training symbol.

    spectrum: complex [N] unitary FFT of one training-symbol window (all bins);
    used_freqs: int [n_used] signed subcarrier indices; known: complex [n_used] the sent values;
    shifts: int [G] candidate shifts in subcarriers.
    Uses differential products of adjacent subcarriers, so an unknown timing offset (a phase
    slope over frequency) and a smooth channel do not matter.
    Returns (best shift, score in [0, 1]; about 1/√n_used on noise).
    """
    n = spectrum.shape[0]
    adj = np.flatnonzero(np.diff(used_freqs) == 1)
    k0 = used_freqs[adj]
    ref = known[adj + 1] * np.conj(known[adj])                      # [P]
    bins0 = (k0[None, :] + shifts[:, None]) % n                    # [G, P]
    y0 = spectrum[bins0]
    y1 = spectrum[(bins0 + 1) % n]
    prod = y1 * np.conj(y0)
    num = np.abs(np.sum(prod * np.conj(ref)[None, :], axis=1))
    den = np.sum(np.abs(prod), axis=1) + 1e-30
    score = num / den
    best = int(np.argmax(score))
    return int(shifts[best]), float(score[best])


def repetition_cfo(x: np.ndarray, lag: int, sample_rate: float) -> float:
    """CFO in Hz from a block whose second part repeats the first after ``lag`` samples.

    x: complex [L > lag]; unambiguous to ±fs/(2·lag).
    """
    p = np.vdot(x[:-lag], x[lag:])
    return fractional_cfo(complex(p), lag, sample_rate)

"""Analog payload: real vectors as unit-power complex pairs, interleaving over the OFDM grid,
and equalisation that returns each symbol's effective noise variance.

Nothing here makes a decision: the payload is never sliced, re-modulated or fed back.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from radio.errors import RadioError


def real_to_symbols(x: np.ndarray) -> tuple[np.ndarray, float]:
    """float [L] → (complex64 [ceil(L/2)] at unit average power, power_scale).

    Pairs (x[2i], x[2i+1]) become I and Q; an odd tail is padded with 0. ``power_scale`` is the
    RMS of the complex pairs before normalisation (send it in the header to undo it).
    """
    x = np.asarray(x, np.float64).reshape(-1)
    if not np.all(np.isfinite(x)):
        raise RadioError("analog payload contains NaN or inf")
    if x.size % 2:
        x = np.concatenate([x, [0.0]])
    s = x[0::2] + 1j * x[1::2]
    scale = float(np.sqrt(np.mean(np.abs(s) ** 2))) if s.size else 1.0
    if scale == 0.0:
        scale = 1.0
    return (s / scale).astype(np.complex64), scale


def symbols_to_real(s: np.ndarray, power_scale: float = 1.0, length: int | None = None) -> np.ndarray:
    """complex [K] → float32 [2K] (or the first ``length``), times ``power_scale``."""
    s = np.asarray(s).reshape(-1) * power_scale
    out = np.empty(2 * s.size, np.float32)
    out[0::2] = s.real
    out[1::2] = s.imag
    return out if length is None else out[:length]


@lru_cache(maxsize=16)
def interleaver(n_positions: int, n_data: int) -> np.ndarray:
    """int64 [n_positions]: grid position (symbol·n_data + subcarrier) of payload symbol i.

    A golden-ratio stride permutation: neighbouring latent elements land far apart in both
    frequency and time, so one faded subcarrier or a short interference hit spreads thinly.
    """
    if n_positions <= 2:
        return np.arange(n_positions, dtype=np.int64)
    a = int(round(n_positions * (math.sqrt(5) - 1) / 2))
    for d in range(n_positions):   # nearest stride coprime to the length, not a multiple of n_data
        for c in (a + d, a - d):
            if 1 < c < n_positions and math.gcd(c, n_positions) == 1 and c % n_data:
                return (np.arange(n_positions, dtype=np.int64) * c) % n_positions
    return np.arange(n_positions, dtype=np.int64)


def equalize(y: np.ndarray, h: np.ndarray, noise_var, est_factor: float = 0.0,
             method: str = "zf") -> tuple[np.ndarray, np.ndarray]:
    """One-tap equalisation of subcarrier observations.

    y: complex [..., n] received (phase-corrected) values; h: complex [n] channel estimate;
    noise_var: per-subcarrier noise variance, a scalar or an array broadcastable to y (e.g.
    [S, 1], one per OFDM symbol); est_factor: channel-estimate error variance as a fraction of
    noise_var (adds to the effective noise).
    "zf": x̂ = y/h, unbiased, variance σ²(1+ε)/|h|².
    "lmmse": x̂ = h*·y/(|h|²+σ²(1+ε)), the MMSE estimate for unit-power symbols; its noise_var
    is the mean squared error σ²(1+ε)/(|h|²+σ²(1+ε)).
    Returns (complex64 [..., n], float32 [..., n]).
    """
    h = np.asarray(h, np.complex64)
    p = h.real * h.real + h.imag * h.imag                      # float32, single precision throughout
    n_eff = np.maximum(np.asarray(noise_var, np.float32), np.float32(1e-20)) * np.float32(1.0 + est_factor)
    if method == "zf":
        safe = np.maximum(p, np.float32(1e-30))
        g = np.conj(h) / safe
        var = n_eff / safe
    elif method == "lmmse":
        den = p + n_eff
        g = np.conj(h) / den
        var = n_eff / den
    else:
        raise RadioError(f"unknown equalizer {method!r}; use 'zf' or 'lmmse'")
    x = np.asarray(y, np.complex64) * g.astype(np.complex64, copy=False)
    v = np.empty(x.shape, np.float32)
    v[...] = np.minimum(var, np.float32(1e12))
    return x, v

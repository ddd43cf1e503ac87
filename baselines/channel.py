"""The symbol-level channel every scheme of the RD harness goes through.

Same convention as the codec's differentiable channels (``dvst.codec.channel``) and the
paper: the transmitted complex symbols have unit average power, and **SNR = Es/N0 per
complex symbol**, so the complex noise has variance σ² = 10^(−SNR/10) (σ²/2 per real
dimension).

- ``awgn``: ŝ = s + n, n ~ CN(0, σ²).
- ``rayleigh``: fast (per-symbol) flat fading h ~ CN(0, 1) known at the receiver, which
  equalises: ŝ = y / h = s + n / h, with effective noise variance σ² / |h|² per symbol.

Both return the equalised symbols and the per-symbol noise variance a receiver uses for
LLRs (digital) or LLSE weights (SoftCast).
"""

from __future__ import annotations

import math

import numpy as np

from dvst.errors import DvstError

CHANNELS = ("awgn", "rayleigh")


def noise_variance(snr_db: float) -> float:
    """Complex noise variance σ² for unit-power symbols at ``snr_db`` (Es/N0)."""
    snr_db = float(snr_db)
    if not math.isfinite(snr_db):
        raise DvstError(f"SNR must be a finite number of dB, got {snr_db}")
    return 10.0 ** (-snr_db / 10.0)


def check_channel(kind: str) -> str:
    if kind not in CHANNELS:
        raise DvstError(f"unknown channel {kind!r}; choose one of {', '.join(CHANNELS)}")
    return kind


def transmit(symbols: np.ndarray, snr_db: float, kind: str = "awgn",
             rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Send complex symbols [...] through the channel.

    Returns (equalised symbols complex64 [...], noise variance per symbol float32 [...]).
    ``rng`` seeds the noise and fading (default: a fresh seed-0 generator).
    """
    check_channel(kind)
    rng = np.random.default_rng(0) if rng is None else rng
    s = np.asarray(symbols, dtype=np.complex64)
    var = noise_variance(snr_db)

    def cn(scale: float) -> np.ndarray:
        return (rng.standard_normal(s.shape) + 1j * rng.standard_normal(s.shape)) * math.sqrt(scale / 2)

    n = cn(var)
    if kind == "awgn":
        return (s + n).astype(np.complex64), np.full(s.shape, var, np.float32)
    h = cn(1.0)
    h = np.where(np.abs(h) < 1e-12, 1e-12, h)  # a zero draw would make equalisation undefined
    return (s + n / h).astype(np.complex64), (var / np.abs(h) ** 2).astype(np.float32)

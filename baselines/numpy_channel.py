"""The symbol-level channel every scheme of the RD harness goes through.

One definition for the whole project: this is a numpy face of the codec's channel,
``dvst.codec.symbol_channel.transmit``, which DVST's own simulation (``dvst.eval.codec_sim``) uses,
so the baselines and DVST see exactly the same channel. Convention (as in the paper): the
transmitted complex symbols have unit average power, and **SNR = Es/N0 per complex symbol**,
so the complex noise has variance σ² = 10^(−SNR/10) (σ²/2 per real dimension).

- ``awgn``: ŝ = s + n, n ~ CN(0, σ²).
- ``rayleigh``: fast (per-symbol) flat fading h ~ CN(0, 1) known at the receiver, which
  equalises: ŝ = y / h = s + n / h, with effective noise variance σ² / |h|² per symbol.

Both return the equalised symbols and the per-symbol noise variance a receiver uses for
LLRs (digital) or LLSE weights (SoftCast).
"""

from __future__ import annotations

import math

import numpy as np

from baselines.errors import BaselineError

CHANNELS = ("awgn", "rayleigh")


def noise_variance(snr_db: float) -> float:
    """Complex noise variance σ² for unit-power symbols at ``snr_db`` (Es/N0)."""
    snr_db = float(snr_db)
    if not math.isfinite(snr_db):
        raise BaselineError(f"SNR must be a finite number of dB, got {snr_db}")
    return 10.0 ** (-snr_db / 10.0)


def check_channel(kind: str) -> str:
    if kind not in CHANNELS:
        raise BaselineError(f"unknown channel {kind!r}; choose one of {', '.join(CHANNELS)}")
    return kind


def transmit(symbols: np.ndarray, snr_db: float, kind: str = "awgn",
             rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Send complex symbols [...] through the channel.

    Returns (equalised symbols complex64 [...], noise variance per symbol float32 [...]).
    ``rng`` seeds the noise and fading (default: a fresh seed-0 generator).
    """
    import torch

    from dvst.codec.symbol_channel import transmit as codec_transmit

    check_channel(kind)
    noise_variance(snr_db)  # a finite SNR or a BaselineError
    rng = np.random.default_rng(0) if rng is None else rng
    s = np.ascontiguousarray(symbols, dtype=np.complex64)
    gen = torch.Generator().manual_seed(int(rng.integers(0, 2 ** 63 - 1)))
    pairs = torch.from_numpy(s.reshape(1, -1).view(np.float32).reshape(1, -1, 2).copy())
    mask = torch.ones(pairs.shape[:2], dtype=torch.bool)
    with torch.no_grad():
        rx, nv = codec_transmit(pairs, mask, float(snr_db), kind, generator=gen)
    r = rx[0].contiguous().numpy().view(np.complex64).reshape(s.shape)
    return r, nv[0].numpy().astype(np.float32).reshape(s.shape)

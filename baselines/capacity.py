""""+ Capacity": the ideal separation bound for a video bitstream.

The same H.264/H.265 bitstream is assumed to cross the channel error-free at the Gaussian
capacity: log2(1 + SNR) bits per complex symbol on AWGN, and the ergodic capacity
E[log2(1 + |h|²·SNR)], h ~ CN(0, 1), on fast Rayleigh fading (receiver knows h). No real
code reaches it; it is the bound the paper plots as "+ Capacity".
"""

from __future__ import annotations

import math

import numpy as np

from baselines.errors import BaselineError
from baselines.numpy_channel import check_channel, noise_variance


def capacity_bits_per_symbol(snr_db: float, channel: str = "awgn") -> float:
    """Capacity in bits per complex symbol at ``snr_db`` (Es/N0)."""
    check_channel(channel)
    snr = 1.0 / noise_variance(snr_db)
    if channel == "awgn":
        return math.log2(1.0 + snr)
    from scipy.special import exp1

    # E[log2(1 + g·snr)], g ~ Exp(1): log2(e) · e^{1/snr} · E1(1/snr)
    x = 1.0 / snr
    if x > 700:  # e^{x}·E1(x) → 1/x for large x, avoid overflow
        return math.log2(math.e) / x
    return math.log2(math.e) * math.exp(x) * float(exp1(x))


def capacity_symbols(n_bits: int | np.ndarray, snr_db: float, channel: str = "awgn") -> np.ndarray:
    """Complex symbols needed to carry ``n_bits`` at capacity (fractional, no rounding)."""
    c = capacity_bits_per_symbol(snr_db, channel)
    if c <= 0:
        raise BaselineError(f"capacity is zero at SNR {snr_db} dB")
    return np.asarray(n_bits, dtype=np.float64) / c


def run(stream, snr_db: float, channel: str = "awgn", decoded: np.ndarray | None = None):
    """"+ Capacity" for an ``h26x.Bitstream``: every frame arrives, each charged bits / C symbols.

    decoded: the clean decode of ``stream`` if the caller has it (saves decoding again).
    """
    from baselines import h26x
    from baselines.result import SchemeResult

    frames = h26x.decode(stream)[0] if decoded is None else decoded
    info = {"codec": stream.codec, **stream.rate, "bits_per_symbol": capacity_bits_per_symbol(snr_db, channel),
            "stream_bits": int(stream.n_bits)}
    return SchemeResult(frames, capacity_symbols(stream.frame_bits, snr_db, channel),
                        np.ones(len(stream.frames), bool), info)

"""Tapped-delay-line multipath at any sample rate.

A profile is a list of paths (delay in ns, mean power in dB). At sample rate ``fs`` each path
becomes a pulse in a FIR filter: at the nearest sample (``interpolation="nearest"``: causal,
exactly ``round(delay * fs)`` samples late) or as a Kaiser-windowed sinc at the exact
fractional delay (``"sinc"``: band-limited, delayed by ``SINC_HALF`` extra samples so it stays
causal). Path powers are normalised to sum to 1, so the channel has unit mean power gain.

Path gains are either ``static`` (fixed amplitudes sqrt(p) with seeded random phases, the
realised filter scaled to unit mean power gain over the occupied band ``|f| <= band/2 * fs``,
so the in-band SNR stays what the scenario says) or ``block_rayleigh`` (CN(0, p) redrawn every block, see
:mod:`radio.channel.fading`). The filter keeps its input history between calls.
"""

from __future__ import annotations

import numpy as np

from radio.channel.fading import BlockRayleigh
from radio.errors import RadioError

# (delays in ns, powers in dB): 3GPP TS 36.101 Annex B.2 (EPA, EVA, ETU) and ITU-R M.1225
# indoor office A and B; "flat" is a single path (flat fading when combined with block_rayleigh).
TDL_PROFILES: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    "flat": ((0.0,), (0.0,)),
    "epa": ((0, 30, 70, 90, 110, 190, 410), (0.0, -1.0, -2.0, -3.0, -8.0, -17.2, -20.8)),
    "eva": ((0, 30, 150, 310, 370, 710, 1090, 1730, 2510),
            (0.0, -1.5, -1.4, -3.6, -0.6, -9.1, -7.0, -12.0, -16.9)),
    "etu": ((0, 50, 120, 200, 230, 500, 1600, 2300, 5000),
            (-1.0, -1.0, -1.0, 0.0, 0.0, 0.0, -3.0, -5.0, -7.0)),
    "indoor_a": ((0, 50, 110, 170, 290, 310), (0.0, -3.0, -10.0, -18.0, -26.0, -32.0)),
    "indoor_b": ((0, 100, 200, 300, 500, 700), (0.0, -3.6, -7.2, -10.8, -18.0, -25.2)),
}

SINC_HALF = 4   # one-sided length of the fractional-delay sinc pulse, samples


def path_pulses(delays_s: np.ndarray, sample_rate: float, interpolation: str) -> np.ndarray:
    """float64 [n_paths, L]: the FIR pulse of each path (unit gain in the passband)."""
    d = np.asarray(delays_s, dtype=np.float64) * sample_rate
    if interpolation == "nearest":
        idx = np.round(d).astype(int)
        pulses = np.zeros((len(d), idx.max() + 1))
        pulses[np.arange(len(d)), idx] = 1.0
        return pulses
    if interpolation == "sinc":
        length = int(np.ceil(d.max())) + 2 * SINC_HALF + 1
        n = np.arange(length)[None, :] - SINC_HALF - d[:, None]
        half = SINC_HALF + 1.0
        w = np.i0(6.0 * np.sqrt(np.clip(1 - (n / half) ** 2, 0, None))) / np.i0(6.0)
        pulses = np.sinc(n) * np.where(np.abs(n) < half, w, 0.0)
        return pulses / pulses.sum(axis=1, keepdims=True)   # unit DC gain, flat in the passband
    raise RadioError(f"tap interpolation must be 'nearest' or 'sinc', got {interpolation!r}")


def in_band_gain(h: np.ndarray, band: float, n_fft: int = 4096) -> float:
    """Mean |H(f)|^2 of FIR ``h`` over |f| <= band/2 (cycles/sample); band=1 gives sum |h|^2."""
    H = np.fft.fft(h, n_fft)
    f = np.fft.fftfreq(n_fft)
    return float(np.mean(np.abs(H[np.abs(f) <= band / 2 + 1e-12]) ** 2))


class TappedDelayLine:
    """Streaming FIR multipath channel; ``apply`` keeps N output samples for N input samples."""

    def __init__(self, delays_ns, powers_db, sample_rate: float, rng: np.random.Generator,
                 fading: str = "static", block_len: int = 2000, interpolation: str = "nearest",
                 band: float = 1.0):
        delays = np.asarray(delays_ns, dtype=np.float64) * 1e-9
        powers = 10.0 ** (np.asarray(powers_db, dtype=np.float64) / 10.0)
        if delays.ndim != 1 or len(delays) == 0 or len(delays) != len(powers):
            raise RadioError("a multipath profile needs equally many delays and powers (at least one)")
        if (delays < 0).any():
            raise RadioError("multipath delays must be >= 0 ns")
        self.powers = powers / powers.sum()
        self.pulses = path_pulses(delays, sample_rate, interpolation)   # [P, L]
        self.fading = fading
        if fading == "static":
            phases = np.exp(2j * np.pi * rng.random(len(delays)))
            h = (np.sqrt(self.powers) * phases) @ self.pulses
            self._static = h / np.sqrt(in_band_gain(h, band))
            self._fader = None
        elif fading == "block_rayleigh":
            self._static = None
            self._fader = BlockRayleigh(len(delays), block_len, rng)
        else:
            raise RadioError(f"fading must be 'static' or 'block_rayleigh', got {fading!r}")
        self.length = self.pulses.shape[1]
        self._history = np.zeros(self.length - 1, dtype=np.complex128)
        self._n = 0   # input samples consumed so far

    def taps(self, block: int = 0) -> np.ndarray:
        """complex128 [L]: the FIR of fading block ``block`` (the fixed filter when static)."""
        if self._static is not None:
            return self._static
        return (np.sqrt(self.powers) * self._fader.gains(block)) @ self.pulses

    def apply(self, x: np.ndarray) -> np.ndarray:
        """x: complex [N] -> complex128 [N], convolved with the (block-wise) channel."""
        n = len(x)
        if n == 0:
            return np.zeros(0, dtype=np.complex128)
        ext = np.concatenate([self._history, x.astype(np.complex128, copy=False)])
        y = np.empty(n, dtype=np.complex128)
        L = self.length
        start = 0
        while start < n:
            if self._fader is None:
                stop, block = n, 0
            else:
                block = (self._n + start) // self._fader.block_len
                stop = min(n, (block + 1) * self._fader.block_len - self._n)
            seg = ext[start:stop + L - 1]
            y[start:stop] = np.convolve(seg, self.taps(block), mode="valid")
            start = stop
        if L > 1:
            self._history = ext[-(L - 1):].copy()
        self._n += n
        return y

"""OFDM modulation on the profile's subcarrier grid, with pilots.

Scaling: the IFFT/FFT are unitary (``norm="ortho"``), so a grid with unit power on each used
subcarrier gives time samples of mean power ``occupied_fraction``, and white noise of
variance σ² per sample appears with variance σ² on every subcarrier. The per-subcarrier
Es/N0 after the FFT is therefore the in-band SNR of ``docs/radio.md``.
"""

from __future__ import annotations

import numpy as np

from radio.profile import RadioProfile


def pn_bits(n: int, seed: int = 0x5A5A) -> np.ndarray:
    """uint8 [n]: a maximal-length sequence of the 15-bit LFSR x^15 + x^14 + 1.

    Deterministic and independent of numpy's RNG, so both ends of a link agree forever.
    """
    state = (seed & 0x7FFF) or 1
    out = np.empty(n, np.uint8)
    for i in range(n):
        b = ((state >> 14) ^ (state >> 13)) & 1
        state = ((state << 1) | b) & 0x7FFF
        out[i] = b
    return out


def pn_symbols(n: int, seed: int, bits_per_symbol: int = 1) -> np.ndarray:
    """complex64 [n]: unit-power BPSK (1) or QPSK (2) symbols from :func:`pn_bits`."""
    b = pn_bits(n * bits_per_symbol, seed).astype(np.float32)
    if bits_per_symbol == 1:
        return (1 - 2 * b).astype(np.complex64)
    b = b.reshape(n, 2)
    return ((1 - 2 * b[:, 0]) + 1j * (1 - 2 * b[:, 1])).astype(np.complex64) / np.float32(np.sqrt(2))


_PILOT_PERIOD = 127   # pilot polarity repeats after this many OFDM symbols


class OFDM:
    """Grid ↔ time samples for one profile.

    grid: complex64 [S, n_used] (used subcarriers in ascending frequency order);
    samples: complex64 [S * (fft_size + cp_len)].
    """

    def __init__(self, profile: RadioProfile):
        self.profile = profile
        self.n = profile.fft_size
        self.cp = profile.cp_len
        self.bins = profile.used_bins
        self.pilot_mask = profile.pilot_mask
        self.pilot_idx = np.flatnonzero(self.pilot_mask)
        self.data_idx = np.flatnonzero(~self.pilot_mask)
        self.pilot_freqs = profile.used_freqs[self.pilot_idx].astype(np.float64)
        # Pilot value of subcarrier p in symbol m: base[p] * polarity[m % 127]
        base = pn_symbols(profile.n_pilots, seed=0x1D2B)
        polarity = pn_symbols(_PILOT_PERIOD, seed=0x3F11).real.astype(np.float32)
        self._pilot_table = (polarity[:, None] * base[None, :]).astype(np.complex64)   # [127, n_pilots]

    def pilot_values(self, n_symbols: int, first: int = 0) -> np.ndarray:
        """complex64 [n_symbols, n_pilots]: the known pilots of symbols first .. first+n-1."""
        return self._pilot_table[(first + np.arange(n_symbols)) % _PILOT_PERIOD]

    def grid_with_pilots(self, data: np.ndarray, first: int = 0) -> np.ndarray:
        """data complex [S, n_data] → grid complex64 [S, n_used] with the pilots inserted."""
        s = data.shape[0]
        grid = np.empty((s, self.profile.n_used), np.complex64)
        grid[:, self.data_idx] = data
        grid[:, self.pilot_idx] = self.pilot_values(s, first)
        return grid

    def modulate(self, grid: np.ndarray) -> np.ndarray:
        """grid complex [S, n_used] → complex64 [S * (N + cp)] with cyclic prefixes."""
        s = grid.shape[0]
        full = np.zeros((s, self.n), np.complex64)
        full[:, self.bins] = grid
        t = np.fft.ifft(full, axis=1, norm="ortho").astype(np.complex64)
        return np.concatenate([t[:, self.n - self.cp:], t], axis=1).reshape(-1)

    def demodulate(self, windows: np.ndarray) -> np.ndarray:
        """windows complex [S, N] (CP already removed) → complex64 [S, n_used]."""
        f = np.fft.fft(windows, axis=1, norm="ortho")
        return f[:, self.bins].astype(np.complex64)

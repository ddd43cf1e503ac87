"""Pilot tracking: sampling-clock offset (a growing timing drift) and the residual phase of
every OFDM symbol.

A timing offset of δ samples multiplies subcarrier k by exp(-j2π·k·δ/N): a phase slope over
frequency. With a sampling-clock offset the offset grows linearly, δ(t) = α + β·t (t in
samples since the training symbols, β ≈ -SFO, α the small timing error the channel estimate
itself carries). The receiver moves its FFT window by whole samples (``shift``) to follow the
drift; each symbol's pilots show the remaining fraction as a slope. α and β are fitted by
least squares over every symbol of the burst, with ridges that pull α and β towards 0 with
the spreads a channel estimate and a ±50 ppm crystal pair allow, so short or noisy bursts
cannot produce wild drifts.
The common phase of each symbol (residual CFO, phase noise) is then measured from its
slope-corrected pilots.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from sync.kernels import common_phases, pilot_slopes

MAX_DRIFT = 200e-6     # |β| beyond 200 ppm is not a Pluto
PRIOR_DRIFT = 50e-6    # prior spread of β: two crystals within ±25 ppm each
PRIOR_OFFSET = 0.1     # prior spread of α, samples: the channel estimate already holds the timing
MIN_SYMBOLS = 16       # fit α, β only from this many symbols on (50 ppm over 16 symbols ≈ 0.1 sample)


@lru_cache(maxsize=8)
def _search_tables(pilot_freqs: tuple, fft_size: int):
    """Trial slopes (±2 samples, then ±0.25 once tracking) and their pilot steering vectors
    [G, n_pilots]; shared by every burst of a profile (read-only)."""
    k = np.array(pilot_freqs)
    coarse = -(2 * np.pi / fft_size) * np.arange(-2.0, 2.0 + 1e-9, 0.125)
    fine = -(2 * np.pi / fft_size) * np.array([-0.25, 0.0, 0.25])
    out = (coarse, np.exp(-1j * np.outer(coarse, k)), fine, np.exp(-1j * np.outer(fine, k)))
    for a in out:
        a.flags.writeable = False
    return out


class PilotTracker:
    """Stateful over one burst. pilot_freqs: float [n_pilots] signed subcarrier index of each
    pilot; fft_size: N."""

    def __init__(self, pilot_freqs: np.ndarray, fft_size: int):
        self.k = np.asarray(pilot_freqs, np.float64)
        self.n = fft_size
        self._grid_slopes, self._steer, self._fine_slopes, self._fine_steer = _search_tables(
            tuple(float(k) for k in self.k), int(fft_size))
        self._t: list[np.ndarray] = []
        self._y: list[np.ndarray] = []
        self._sums = np.zeros(5)            # Σ1, Σt, Σt², Σy, Σt·y
        self._recent = np.zeros(0)          # the latest observations (noise estimate)
        self.alpha = 0.0
        self.beta = 0.0

    def predicted_shift(self, t: np.ndarray) -> np.ndarray:
        """int [S]: whole-sample window shifts that follow the drift fitted so far."""
        return np.rint(self.alpha + self.beta * np.asarray(t, np.float64)).astype(np.int64)

    def observe(self, z: np.ndarray, t: np.ndarray, shift: np.ndarray) -> None:
        """z complex [S, n_pilots]: received pilot / (channel estimate · known pilot);
        t float [S]: sample time of each symbol since the training; shift int [S]: the window
        shifts used. Adds the symbols' timing observations and refits α, β.

        Each symbol's slope is the weighted least-squares slope of its pilot phases after
        removing the slope predicted so far (so the phases stay far from ±π)."""
        z = np.ascontiguousarray(z, np.complex128)
        t = np.asarray(t, np.float64)
        pred = -(2 * np.pi / self.n) * (self.alpha + self.beta * t - shift)
        if self._t:   # the fit already predicts well: search ±0.25 samples instead of ±2
            slope = pilot_slopes(z, self.k, pred, self._fine_slopes, self._fine_steer)
        else:
            slope = pilot_slopes(z, self.k, pred, self._grid_slopes, self._steer)
        self._t.append(t)
        self._y.append(shift - slope * self.n / (2 * np.pi))               # observed α + β·t
        self._fit()

    def refit(self, keep: np.ndarray) -> None:
        """Fit α, β again from the symbols where ``keep`` (bool [S], all symbols so far) is
        True — e.g. without those whose pilots were measured against a stale channel."""
        t, y = self._arrays()
        keep = np.asarray(keep, bool)
        if keep.shape == t.shape:
            t, y = t[keep], y[keep]
        self._solve(t.size, float(t.sum()), float((t * t).sum()), float(y.sum()), float((t * y).sum()), y)

    def _arrays(self) -> tuple[np.ndarray, np.ndarray]:
        if len(self._t) > 1:
            self._t = [np.concatenate(self._t)]
            self._y = [np.concatenate(self._y)]
        return self._t[0], self._y[0]

    def _fit(self) -> None:
        """Refit from running sums (O(block) per call, however long the burst)."""
        t, y = self._t[-1], self._y[-1]
        self._sums += (t.size, t.sum(), (t * t).sum(), y.sum(), (t * y).sum())
        self._recent = np.concatenate([self._recent, y])[-512:]
        n, st, stt, sy, sty = self._sums
        self._solve(int(n), st, stt, sy, sty, self._recent)

    def _solve(self, n: int, st: float, stt: float, sy: float, sty: float, recent: np.ndarray) -> None:
        """Ridge regression of y = α + β·t: priors α ~ N(0, PRIOR_OFFSET²), β ~ N(0, PRIOR_DRIFT²).
        recent: the latest observations, for the robust noise estimate."""
        if n < MIN_SYMBOLS:   # too few symbols to tell a drift from noise; it is negligible there too
            self.alpha = self.beta = 0.0
            return
        # robust var(y): MAD of successive differences of the recent observations
        noise = max(float(np.median(np.abs(np.diff(recent[-512:]))) ** 2) / 0.91, 1e-4)
        a11 = n + noise / PRIOR_OFFSET ** 2
        a22 = stt + noise / PRIOR_DRIFT ** 2
        det = a11 * a22 - st * st
        self.alpha = float(np.clip((a22 * sy - st * sty) / det, -2.0, 2.0))
        self.beta = float(np.clip((a11 * sty - st * sy) / det, -MAX_DRIFT, MAX_DRIFT))

    def correction(self, z: np.ndarray, t: np.ndarray, shift: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """With the current fit: (slope rad/subcarrier [S], phase rad [S]) to remove from the
        symbols as exp(-j(phase + slope·k))."""
        slope = -(2 * np.pi / self.n) * (self.alpha + self.beta * np.asarray(t, np.float64) - shift)
        phase = common_phases(np.ascontiguousarray(z, np.complex128), self.k, slope)
        return slope, phase

    @property
    def sfo_ppm(self) -> float:
        """Sampling-clock offset of the transmitter relative to the receiver, ppm."""
        return -self.beta * 1e6

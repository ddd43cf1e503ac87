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

import numpy as np

MAX_DRIFT = 200e-6     # |β| beyond 200 ppm is not a Pluto
PRIOR_DRIFT = 50e-6    # prior spread of β: two crystals within ±25 ppm each
PRIOR_OFFSET = 0.1     # prior spread of α, samples: the channel estimate already holds the timing


class PilotTracker:
    """Stateful over one burst. pilot_freqs: float [n_pilots] signed subcarrier index of each
    pilot; fft_size: N."""

    def __init__(self, pilot_freqs: np.ndarray, fft_size: int):
        self.k = np.asarray(pilot_freqs, np.float64)
        self.n = fft_size
        self._grid_slopes = -(2 * np.pi / fft_size) * np.arange(-2.0, 2.0 + 1e-9, 0.125)
        self._steer = np.exp(-1j * np.outer(self.k, self._grid_slopes))        # [n_pilots, G]
        self._t: list[np.ndarray] = []
        self._y: list[np.ndarray] = []
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
        z = np.asarray(z, np.complex128)
        t = np.asarray(t, np.float64)
        pred = -(2 * np.pi / self.n) * (self.alpha + self.beta * t - shift)
        r = z * np.exp(-1j * pred[:, None] * self.k[None, :])
        # coarse: the slope (on a grid of ±2 samples) that adds the pilots most coherently
        power = np.abs(np.einsum("sp,pg->sg", r, self._steer)) ** 2      # [S, G] (no BLAS threads)
        coarse = self._grid_slopes[np.argmax(power, axis=1)]
        r = r * np.exp(-1j * coarse[:, None] * self.k[None, :])
        pred = pred + coarse
        c = np.sum(r, axis=1)
        phi = np.angle(r * np.conj(c)[:, None])
        w = np.abs(r) ** 2
        kc = self.k[None, :] - np.sum(w * self.k[None, :], axis=1, keepdims=True) / (w.sum(axis=1, keepdims=True) + 1e-30)
        ds = np.sum(w * kc * phi, axis=1) / (np.sum(w * kc * kc, axis=1) + 1e-30)
        self._t.append(t)
        self._y.append(shift - (pred + ds) * self.n / (2 * np.pi))        # observed α + β·t
        self._fit()

    def _fit(self) -> None:
        """Ridge regression of y = α + β·t: priors α ~ N(0, PRIOR_OFFSET²), β ~ N(0, PRIOR_DRIFT²)."""
        t = np.concatenate(self._t)
        y = np.concatenate(self._y)
        noise = 0.05   # var(y) in samples² until enough symbols speak for themselves
        if t.size >= 8:
            noise = max(float(np.median(np.abs(np.diff(y))) ** 2) / 0.91, 1e-4)   # robust: MAD of diffs
        a = np.array([[t.size + noise / PRIOR_OFFSET ** 2, t.sum()],
                      [t.sum(), float(np.sum(t * t)) + noise / PRIOR_DRIFT ** 2]])
        rhs = np.array([y.sum(), float(np.sum(t * y))])
        alpha, beta = np.linalg.solve(a, rhs)
        self.beta = float(np.clip(beta, -MAX_DRIFT, MAX_DRIFT))
        self.alpha = float(np.clip(alpha, -2.0, 2.0))

    def correction(self, z: np.ndarray, t: np.ndarray, shift: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """With the current fit: (slope rad/subcarrier [S], phase rad [S]) to remove from the
        symbols as exp(-j(phase + slope·k))."""
        slope = -(2 * np.pi / self.n) * (self.alpha + self.beta * np.asarray(t, np.float64) - shift)
        rot = np.exp(-1j * slope[:, None] * self.k[None, :])
        phase = np.angle(np.sum(np.asarray(z, np.complex128) * rot, axis=1))
        return slope, phase

    @property
    def sfo_ppm(self) -> float:
        """Sampling-clock offset of the transmitter relative to the receiver, ppm."""
        return -self.beta * 1e6

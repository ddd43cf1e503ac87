"""Pilot tracking: sampling-clock offset (a growing timing drift) and the residual phase of
every OFDM symbol.

A timing offset of δ samples multiplies subcarrier k by exp(-j2π·k·δ/N): a phase slope over
frequency. With a sampling-clock offset the offset grows linearly, δ(t) = β·t (t in samples
since the training symbols, β ≈ -SFO). The receiver moves its FFT window by whole samples
(``shift``) to follow the drift; the tracker sees the remaining fraction, fits β by least
squares over every symbol so far, and removes the fitted slope. The common phase of the
symbol (residual CFO, phase noise) is then measured from the slope-corrected pilots.
"""

from __future__ import annotations

import numpy as np

MAX_DRIFT = 200e-6   # |β| beyond 200 ppm is not a Pluto


class PilotTracker:
    """Stateful over one burst; feed symbols in blocks.

    pilot_freqs: float [n_pilots] signed subcarrier index of each pilot; fft_size: N.
    """

    def __init__(self, pilot_freqs: np.ndarray, fft_size: int, spacing: int):
        self.k = np.asarray(pilot_freqs, np.float64)
        self.n = fft_size
        self.pairs = np.flatnonzero(np.diff(self.k) == spacing)
        self.spacing = spacing
        self._stt = 0.0       # Σ w t²
        self._sty = 0.0       # Σ w t · (β t observations)
        self.beta = 0.0

    def predicted_shift(self, t: np.ndarray) -> np.ndarray:
        """int [S]: whole-sample window shifts that follow the drift fitted so far."""
        return np.rint(self.beta * np.asarray(t, np.float64)).astype(np.int64)

    def update(self, z: np.ndarray, t: np.ndarray, shift: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """z complex [S, n_pilots]: received pilot / (channel estimate · known pilot);
        t float [S]: sample time of each symbol since the training; shift int [S]: the window
        shifts used. Returns (slope rad/subcarrier [S], phase rad [S]) to remove as
        exp(-j(phase + slope·k))."""
        z = np.asarray(z, np.complex128)
        t = np.asarray(t, np.float64)
        if self.pairs.size:
            d = np.sum(z[:, self.pairs + 1] * np.conj(z[:, self.pairs]), axis=1)
            s_obs = np.angle(d) / self.spacing                         # rad per subcarrier
            w = np.abs(d)
            w = w / (np.mean(w) + 1e-30)
            y = shift - s_obs * self.n / (2 * np.pi)                   # observed β·t
            self._stt += float(np.sum(w * t * t))
            self._sty += float(np.sum(w * t * y))
            if self._stt > 0:
                self.beta = float(np.clip(self._sty / self._stt, -MAX_DRIFT, MAX_DRIFT))
        slope = -(2 * np.pi / self.n) * (self.beta * t - shift)
        phase = np.angle(np.sum(z * np.exp(-1j * slope[:, None] * self.k[None, :]), axis=1))
        return slope, phase

    @property
    def sfo_ppm(self) -> float:
        """Sampling-clock offset of the transmitter relative to the receiver, ppm."""
        return -self.beta * 1e6

"""Display transforms: what the window computes from the data it is handed, and nothing more.

numpy only (no Qt), so each transform is tested on its own. The PSD here is a picture of the
raw snippet the link hands over, not a measurement the link relies on: the receiver's SNR,
CFO and channel estimates come from ``radio``/``sync`` through ``FrameStats``.
"""

from __future__ import annotations

import math

import numpy as np


def psd_dbfs(snippet: np.ndarray, sample_rate: float, nfft: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Welch power spectral density of a raw complex snippet, centred on DC.

    snippet: complex [N] in full-scale units (|I|, |Q| ≤ 1). Segments of ``nfft`` samples,
    Hann window, half overlap; a snippet shorter than ``nfft`` is zero-padded.
    Returns (offset_hz float64 [nfft], psd float64 [nfft] in dBFS/Hz), where a full-scale
    complex tone of power 1 integrates to 0 dBFS over the band.
    """
    x = np.asarray(snippet, dtype=np.complex128).reshape(-1)
    if x.size < nfft:
        x = np.concatenate([x, np.zeros(nfft - x.size)])
    window = np.hanning(nfft)
    hop = nfft // 2
    n_seg = 1 + (x.size - nfft) // hop
    idx = np.arange(nfft)[None, :] + hop * np.arange(n_seg)[:, None]
    spectrum = np.fft.fft(x[idx] * window, axis=1)
    power = np.mean(np.abs(spectrum) ** 2, axis=0) / (sample_rate * np.sum(window**2))
    freqs = np.fft.fftshift(np.fft.fftfreq(nfft, d=1.0 / sample_rate))
    return freqs, 10.0 * np.log10(np.fft.fftshift(power) + 1e-30)


def magnitude_db(values: np.ndarray) -> np.ndarray:
    """20·log10|values| (float32 → float64 [n]); zeros show as −120 dB, not −inf."""
    return 20.0 * np.log10(np.maximum(np.abs(np.asarray(values, dtype=np.float64)), 1e-6))


def finite_or_nan(value: float | None) -> float:
    """A metric for a history trace: None (no reference) and ±inf become NaN, which plots as a gap."""
    if value is None:
        return math.nan
    value = float(value)
    return value if math.isfinite(value) else math.nan


class History:
    """The last ``length`` values of several named traces against one x (the frame index).

    ``append(x, name=value, ...)``; ``x`` and ``trace(name)`` return float64 arrays of equal
    length, oldest first. A trace missing from an append gets NaN for that x.
    """

    def __init__(self, names: tuple[str, ...], length: int = 300):
        self.names = names
        self.length = length
        self._x = np.full(length, np.nan)
        self._y = {n: np.full(length, np.nan) for n in names}
        self._count = 0

    def __len__(self) -> int:
        return min(self._count, self.length)

    def append(self, x: float, **values: float | None) -> None:
        unknown = set(values) - set(self.names)
        if unknown:
            raise KeyError(f"unknown history traces: {sorted(unknown)}")
        i = self._count % self.length
        self._x[i] = x
        for n in self.names:
            self._y[n][i] = finite_or_nan(values.get(n))
        self._count += 1

    def _ordered(self, a: np.ndarray) -> np.ndarray:
        if self._count <= self.length:
            return a[: self._count].copy()
        i = self._count % self.length
        return np.concatenate([a[i:], a[:i]])

    @property
    def x(self) -> np.ndarray:
        return self._ordered(self._x)

    def trace(self, name: str) -> np.ndarray:
        return self._ordered(self._y[name])

    def clear(self) -> None:
        self._x[:] = np.nan
        for a in self._y.values():
            a[:] = np.nan
        self._count = 0


class Waterfall:
    """A scrolling spectrogram: ``rows`` PSD lines of ``nfft`` bins, newest in the last row.

    ``push(psd_db float [nfft])``; ``image`` is float32 [rows, nfft] (NaN-free: empty rows hold
    the floor value of the first line pushed).
    """

    def __init__(self, nfft: int = 256, rows: int = 120):
        self.nfft = nfft
        self.rows = rows
        self.image = np.zeros((rows, nfft), dtype=np.float32)
        self.count = 0

    def push(self, psd_db: np.ndarray) -> None:
        line = np.asarray(psd_db, dtype=np.float32).reshape(-1)
        if line.size != self.nfft:
            raise ValueError(f"waterfall expects {self.nfft} bins, got {line.size}")
        if self.count == 0:
            self.image[:] = float(np.min(line))
        self.image[:-1] = self.image[1:]
        self.image[-1] = line
        self.count += 1

    def levels(self) -> tuple[float, float]:
        """Colour range (dB): from the noise floor (5th percentile of the lines pushed, less 3 dB)
        to the strongest bin plus 2 dB, and at least 25 dB: noise alone stays dark, an occupied
        band stands out bright."""
        filled = self.image[-min(self.count, self.rows):] if self.count else self.image
        bottom = float(np.percentile(filled, 5)) - 3.0
        return bottom, max(float(filled.max()) + 2.0, bottom + 25.0)

    def clear(self) -> None:
        self.image[:] = 0.0
        self.count = 0

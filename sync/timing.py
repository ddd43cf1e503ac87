"""Fine timing: normalised cross-correlation with a known template, earliest strong path."""

from __future__ import annotations

import numpy as np

from sync.kernels import sliding_correlation


def cross_correlation(x: np.ndarray, template: np.ndarray) -> np.ndarray:
    """x complex [L], template complex [T ≤ L] → float64 [L - T + 1] in [0, 1]:

        c(τ) = |Σ_n x[τ+n]·conj(t[n])|² / (Σ_n |x[τ+n]|² · Σ_n |t[n]|²)

    On white noise c is about 1/T; at in-band SNR ρ over a flat channel it is about
    f·ρ / (1 + f·ρ) with f the occupied fraction.
    """
    t = np.ascontiguousarray(template, np.complex128)
    num = np.abs(sliding_correlation(np.ascontiguousarray(x, np.complex128), t)) ** 2
    e = np.abs(x.astype(np.complex128)) ** 2
    c = np.concatenate([[0.0], np.cumsum(e)])
    energy = c[t.shape[0]:] - c[: -t.shape[0]]
    return num / (np.maximum(energy, 1e-30) * float(np.sum(np.abs(t) ** 2)))


def earliest_path(c: np.ndarray, max_spread: int, fraction: float = 0.25) -> int:
    """Index of the earliest lag within ``max_spread`` before the peak that reaches
    ``fraction`` of the peak: the first multipath arrival, not merely the strongest."""
    peak = int(np.argmax(c))
    lo = max(0, peak - max_spread)
    strong = np.flatnonzero(c[lo:peak + 1] >= fraction * c[peak])
    return lo + int(strong[0])

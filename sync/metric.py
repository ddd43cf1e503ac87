"""The Schmidl-Cox timing metric and the cheap threshold scan that runs on every sample.

For a lag (period) D and window W:

    P(d) = Σ_{m<W} conj(x[d+m]) · x[d+m+D]
    R(d) = ½ Σ_{m<W} (|x[d+m]|² + |x[d+m+D]|²)
    M(d) = |P(d)|² / R(d)²          (0 ≤ M ≤ 1; about 1/W on white noise)

The angle of P at the plateau is 2π·CFO·D/fs. Sums run in float64 and are recomputed every
1024 samples so a long stream cannot drift.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_RESYNC = 1024


@njit(cache=True)
def _window_sums(x, d, lag, window):
    p_re = 0.0
    p_im = 0.0
    r = 0.0
    for m in range(window):
        a = x[d + m]
        b = x[d + m + lag]
        ar, ai, br, bi = a.real, a.imag, b.real, b.imag
        p_re += ar * br + ai * bi
        p_im += ar * bi - ai * br
        r += 0.5 * (ar * ar + ai * ai + br * br + bi * bi)
    return p_re, p_im, r


@njit(cache=True, inline="always")
def _slide(x, d, lag, window, p_re, p_im, r):
    """The running sums P and R moved from window start d − 1 to d (one sample in, one out)."""
    a = x[d - 1]
    b = x[d - 1 + lag]
    c = x[d - 1 + window]
    e = x[d - 1 + window + lag]
    p_re += (c.real * e.real + c.imag * e.imag) - (a.real * b.real + a.imag * b.imag)
    p_im += (c.real * e.imag - c.imag * e.real) - (a.real * b.imag - a.imag * b.real)
    r += 0.5 * (c.real * c.real + c.imag * c.imag + e.real * e.real + e.imag * e.imag
                - a.real * a.real - a.imag * a.imag - b.real * b.real - b.imag * b.imag)
    return p_re, p_im, r


@njit(cache=True)
def _metric(x, lag, window, m_out, p_out):
    n = m_out.shape[0]
    p_re = 0.0
    p_im = 0.0
    r = 0.0
    for d in range(n):
        if d % _RESYNC == 0:
            p_re, p_im, r = _window_sums(x, d, lag, window)
        else:
            p_re, p_im, r = _slide(x, d, lag, window, p_re, p_im, r)
        if r > 1e-30:
            m_out[d] = (p_re * p_re + p_im * p_im) / (r * r)
        else:
            m_out[d] = 0.0
        p_out[d] = complex(p_re, p_im)


@njit(cache=True)
def _first_crossing(x, lag, window, threshold, start, stop, armed):
    """First d in [start, stop) where M(d) rises above threshold, or -1; stop ≤ len(x) - window
    - lag + 1. Disarmed, the scan first waits for M ≤ threshold. Returns (d, armed at stop)."""
    p_re = 0.0
    p_im = 0.0
    r = 0.0
    for d in range(start, stop):
        if (d - start) % _RESYNC == 0:
            p_re, p_im, r = _window_sums(x, d, lag, window)
        else:
            p_re, p_im, r = _slide(x, d, lag, window, p_re, p_im, r)
        above = r > 1e-30 and p_re * p_re + p_im * p_im > threshold * r * r
        if not armed:
            armed = not above
        elif above:
            return d, True
    return -1, armed


def schmidl_cox_metric(x: np.ndarray, lag: int, window: int) -> tuple[np.ndarray, np.ndarray]:
    """x complex [L] → (M float32 [L - window - lag + 1], P complex128 [same]).

    M is the normalised metric above; angle(P) gives the carrier offset (see module doc).
    """
    x = np.ascontiguousarray(x, dtype=np.complex64)
    n = x.shape[0] - window - lag + 1
    if n <= 0:
        return np.zeros(0, np.float32), np.zeros(0, np.complex128)
    m = np.empty(n, np.float32)
    p = np.empty(n, np.complex128)
    _metric(x, lag, window, m, p)
    return m, p


def first_crossing(x: np.ndarray, lag: int, window: int, threshold: float, start: int = 0,
                   armed: bool = True) -> tuple[int, bool]:
    """Index of the first sample ≥ start where the metric rises above ``threshold`` (-1 if
    none), and whether the scan is armed at the end.

    Disarmed (after a rejected candidate), the metric must first fall to the threshold: a
    continuous tone or other periodic interference, whose metric stays high, then costs one
    candidate instead of one every few samples. x must be complex64 and contiguous (the
    receiver's front end guarantees it).
    """
    stop = x.shape[0] - window - lag + 1
    if start >= stop:
        return -1, armed
    d, armed = _first_crossing(x, lag, window, float(threshold), int(start), int(stop), bool(armed))
    return int(d), bool(armed)

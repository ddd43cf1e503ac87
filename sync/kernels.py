"""Small numba kernels for the per-burst linear algebra.

Tiny matrix products through BLAS cost milliseconds when OpenBLAS threads compete for a busy
machine; these loops take microseconds and never spawn threads.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def project(u, x):
    """u complex128 [n, r] with orthonormal columns, x complex128 [n] → u·(uᴴ·x) [n]."""
    n, r = u.shape
    c = np.zeros(r, np.complex128)
    for j in range(r):
        acc = 0j
        for i in range(n):
            acc += u[i, j].conjugate() * x[i]
        c[j] = acc
    out = np.zeros(n, np.complex128)
    for i in range(n):
        acc = 0j
        for j in range(r):
            acc += u[i, j] * c[j]
        out[i] = acc
    return out


@njit(cache=True)
def sliding_correlation(x, t):
    """x complex128 [L], t complex128 [T] → complex128 [L-T+1]: Σ_n x[τ+n]·conj(t[n])."""
    m = x.shape[0] - t.shape[0] + 1
    out = np.zeros(max(m, 0), np.complex128)
    tc = np.conj(t)
    for tau in range(m):
        acc = 0j
        for n in range(t.shape[0]):
            acc += x[tau + n] * tc[n]
        out[tau] = acc
    return out


@njit(cache=True)
def gather_windows(x, starts, n, cfo_rad, ref):
    """x complex64 [L], starts int64 [S] (indices into x), n window length, cfo_rad the carrier
    offset in radians per sample, ref the index of phase zero → complex64 [S, n]:
    out[s, i] = x[starts[s] + i] · exp(-j·cfo_rad·(starts[s] + i - ref)); out of range → 0."""
    s_count = starts.shape[0]
    out = np.zeros((s_count, n), np.complex64)
    step = np.complex128(complex(np.cos(cfo_rad), -np.sin(cfo_rad)))
    for s in range(s_count):
        a = starts[s]
        ph = -cfo_rad * (a - ref)
        rot = complex(np.cos(ph), np.sin(ph))
        for i in range(n):
            j = a + i
            if 0 <= j < x.shape[0]:
                out[s, i] = x[j] * rot
            rot *= step
    return out


@njit(cache=True)
def derotate_grid(y, phase, slope, k):
    """y complex64 [S, K] *= exp(-j(phase[s] + slope[s]·k[i])), in place; k int64 [K] ascending.

    The rotation advances by one complex multiply per subcarrier step (no sin/cos per element)."""
    for s in range(y.shape[0]):
        a = -(phase[s] + slope[s] * k[0])
        rot = complex(np.cos(a), np.sin(a))
        step = complex(np.cos(-slope[s]), np.sin(-slope[s]))
        prev = k[0]
        for i in range(y.shape[1]):
            for _ in range(k[i] - prev):
                rot *= step
            prev = k[i]
            y[s, i] = y[s, i] * rot


@njit(cache=True)
def _rotate(v, k, slope, out):
    """out[i] = v[i]·exp(-j·slope·k[i]) for integer-valued ascending k: one complex multiply
    per element while the spacing repeats (pilots), a sin/cos only where it changes."""
    a = -slope * k[0]
    rot = complex(np.cos(a), np.sin(a))
    gap = 0.0
    step = 1.0 + 0j
    for i in range(v.shape[0]):
        if i:
            d = k[i] - k[i - 1]
            if d != gap:
                gap = d
                step = complex(np.cos(slope * d), -np.sin(slope * d))
            rot *= step
        out[i] = v[i] * rot


@njit(cache=True)
def pilot_slopes(z, k, pred, grid, steer):
    """Per-symbol phase slope (rad/subcarrier) of pilot observations.

    z complex128 [S, P] pilots over (channel · known value); k float64 [P] their subcarrier
    indices; pred float64 [S] the slope predicted so far; grid float64 [G] trial corrections;
    steer complex128 [G, P] = exp(-j·grid[g]·k[i]).
    For each symbol: remove pred, pick the trial that adds the pilots most coherently, then
    refine by the |z|²-weighted least-squares slope of the remaining phases.
    """
    s_count, p = z.shape
    out = np.empty(s_count)
    r = np.empty(p, np.complex128)
    for s in range(s_count):
        _rotate(z[s], k, pred[s], r)
        best = -1.0
        g_best = 0.0
        for g in range(grid.shape[0]):
            acc = 0j
            for i in range(p):
                acc += r[i] * steer[g, i]
            pw = acc.real * acc.real + acc.imag * acc.imag
            if pw > best:
                best = pw
                g_best = grid[g]
        _rotate(r, k, g_best, r)
        c = 0j
        sw = 0.0
        swk = 0.0
        for i in range(p):
            c += r[i]
            w = r[i].real * r[i].real + r[i].imag * r[i].imag
            sw += w
            swk += w * k[i]
        kbar = swk / sw if sw > 0 else 0.0
        num = 0.0
        den = 0.0
        for i in range(p):
            w = r[i].real * r[i].real + r[i].imag * r[i].imag
            phi = np.angle(r[i] * np.conj(c))
            kc = k[i] - kbar
            num += w * kc * phi
            den += w * kc * kc
        out[s] = pred[s] + g_best + (num / den if den > 0 else 0.0)
    return out


@njit(cache=True)
def common_phases(z, k, slope):
    """float64 [S]: angle of Σ_i z[s, i]·exp(-j·slope[s]·k[i]) — each symbol's common phase
    once its slope is removed; z complex128 [S, P], k float64 [P] ascending integers."""
    s_count, p = z.shape
    out = np.empty(s_count)
    r = np.empty(p, np.complex128)
    for s in range(s_count):
        _rotate(z[s], k, slope[s], r)
        acc = 0j
        for i in range(p):
            acc += r[i]
        out[s] = np.angle(acc)
    return out

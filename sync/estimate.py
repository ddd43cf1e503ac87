"""Channel, noise and SNR estimates from the training symbols and the pilots.

In-band SNR (docs/radio.md): mean received signal power per used subcarrier over the noise
variance per subcarrier, which with the unitary FFT equals the per-sample noise variance.

The least-squares channel of each subcarrier is smoothed by projecting it onto the channels
whose taps lie in the delay window the burst's power-delay profile occupies (within the cyclic
prefix; a subspace of dimension ``rank``). That removes all but rank/n_used of the estimation
noise, so the estimate's error variance is σ²·rank/(n_used·n_training).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from sync.kernels import project


@lru_cache(maxsize=1024)
def _delay_basis(used_freqs: tuple, fft_size: int, first_tap: int, n_taps: int) -> np.ndarray:
    """complex128 [n_used, rank]: orthonormal basis of the channels whose taps lie in
    first_tap .. first_tap+n_taps-1 (samples after the FFT window start); U·Uᴴ projects.
    Cached for the whole process (read-only arrays)."""
    f = np.exp(-2j * np.pi * np.outer(used_freqs, np.arange(first_tap, first_tap + n_taps)) / fft_size)
    u, s, _ = np.linalg.svd(f, full_matrices=False)
    keep = s > 1e-9 * s[0]   # a projector needs no inversion: keep every direction that exists
    out = np.ascontiguousarray(u[:, keep])
    out.flags.writeable = False
    return out


class DelaySmoother:
    """Projects least-squares channels onto the delay window they actually occupy.

    The taps that stand out of the zero-filled power-delay profile (above 1 % of the peak and
    ten times the estimation-noise floor) give a core window; it is then widened by 0 .. 6 taps
    each side, picking the width with the least estimated mean squared error (Stein's unbiased
    risk: residual energy minus the noise it should contain, plus the noise the projection
    keeps). Taps are confined to -guard .. cp_len-1; bases are cached per window.
    """

    def __init__(self, used_freqs: np.ndarray, fft_size: int, cp_len: int, guard: int = 2,
                 max_widen: int = 6):
        self.k = np.asarray(used_freqs)
        self.n = fft_size
        self.cp = cp_len
        self.guard = guard
        self.max_widen = max_widen
        self._key = tuple(int(k) for k in self.k)
        self._bases: dict[tuple[int, int], np.ndarray] = {}
        self._idft = np.exp(2j * np.pi * np.outer(np.arange(-guard, cp_len), self.k) / fft_size) / self.k.size

    def basis(self, first: int, n_taps: int) -> np.ndarray:
        got = self._bases.get((first, n_taps))
        if got is None:
            got = self._bases[(first, n_taps)] = _delay_basis(self._key, self.n, first, n_taps)
        return got

    def smooth(self, h_ls: np.ndarray, noise_var: float) -> tuple[np.ndarray, np.ndarray]:
        """h_ls complex [n_used] with per-subcarrier error variance ``noise_var`` →
        (smoothed complex128 [n_used], the orthonormal basis [n_used, rank] it lies in)."""
        h_ls = np.ascontiguousarray(h_ls, np.complex128)
        pdp = np.abs((self._idft * h_ls[None, :]).sum(axis=1)) ** 2
        floor = max(noise_var, 1e-30) / self.k.size
        strong = np.flatnonzero(pdp > max(0.01 * pdp.max(), 10 * floor)) - self.guard
        lo, hi = (int(strong[0]), int(strong[-1])) if strong.size else (0, self.cp - 1)
        best = None
        for w in range(self.max_widen + 1):
            first = max(-self.guard, lo - w)
            last = min(self.cp - 1, hi + w)
            u = self.basis(first, last - first + 1)
            rank = u.shape[1]
            h = project(u, h_ls)
            risk = float(np.sum(np.abs(h_ls - h) ** 2)) - (self.k.size - 2 * rank) * noise_var
            if best is None or risk < best[0]:
                best = (risk, h, u)
        return best[1], best[2]


@dataclass
class TrainingEstimate:
    """channel: complex64 [n_used]; noise_var: per-subcarrier noise variance (full-scale²);
    signal_power: mean |H|²; est_factor: channel-estimate error variance / noise_var;
    dof: degrees of freedom of noise_var; basis: the delay-window basis of the channel."""

    channel: np.ndarray
    noise_var: float
    signal_power: float
    est_factor: float
    dof: int
    basis: np.ndarray      # complex128 [n_used, rank]: the delay window the channel lies in

    @property
    def snr_db(self) -> float:
        return snr_db(self.signal_power, self.noise_var)


def snr_db(signal_power: float, noise_var: float) -> float:
    """10·log10(S/N), clamped to [-30, 80] dB so nonsense input gives a number, not inf/nan."""
    if not np.isfinite(signal_power) or not np.isfinite(noise_var):
        return -30.0
    s = max(signal_power, 1e-30)
    n = max(noise_var, 1e-30)
    return float(np.clip(10 * np.log10(s / n), -30.0, 80.0))


def training_estimate(y: np.ndarray, known: np.ndarray, smoother: DelaySmoother) -> TrainingEstimate:
    """y complex [n_training, n_used]: FFT of each training repetition; known complex [n_used]."""
    y = np.asarray(y, np.complex128)
    r, n_used = y.shape
    mean = y.mean(axis=0)
    noise = float(np.sum(np.abs(y - mean) ** 2) / (n_used * (r - 1)))
    h_ls = mean / known
    h, basis = smoother.smooth(h_ls, noise / r)
    est_factor = basis.shape[1] / (n_used * r)
    signal = float(np.mean(np.abs(h) ** 2)) - noise * est_factor
    return TrainingEstimate(h.astype(np.complex64), noise, max(signal, 0.0), est_factor,
                            n_used * (r - 1), basis)


def pilot_noise(residual: np.ndarray, est_factor: float) -> tuple[float, int]:
    """residual complex [S, n_pilots]: received pilots minus their prediction (channel estimate,
    known value, tracked phase and slope). Returns (noise variance, degrees of freedom), with
    the channel-estimate error and the fitted phase per symbol taken out."""
    s, p = residual.shape
    if s == 0 or p < 2:
        return 0.0, 0
    dof = s * (p - 1)
    var = float(np.sum(np.abs(residual) ** 2)) / dof / (1.0 + est_factor)
    return var, dof


def pooled_noise(estimates: list[tuple[float, int]]) -> float:
    """Degrees-of-freedom weighted mean of several noise-variance estimates."""
    num = sum(v * d for v, d in estimates if d > 0)
    den = sum(d for _, d in estimates if d > 0)
    return num / den if den else 0.0


def _moving_mean(x: np.ndarray, span: int) -> np.ndarray:
    """Mean over ±span neighbours along axis 0 (fewer at the ends); x [S, ...]."""
    s = x.shape[0]
    c = np.concatenate([np.zeros((1,) + x.shape[1:], x.dtype), np.cumsum(x, axis=0)])
    hi = np.minimum(np.arange(s) + span + 1, s)
    lo = np.maximum(np.arange(s) - span, 0)
    shape = (s,) + (1,) * (x.ndim - 1)
    return (c[hi] - c[lo]) / (hi - lo).reshape(shape)


@dataclass
class SymbolChannels:
    """Channel per OFDM symbol after pilot tracking.

    channel: complex64 [S, n_used], or [n_used] when every symbol keeps the training channel;
    noise_var: float64 [S] effective noise variance of each
    symbol (channel-estimate error included); changed: bool [S], symbols whose pilots left
    the training channel and got a pilot-based estimate instead; mismatch: float64 [S], the
    smoothed pilot distance from the training channel in units of the noise (≈ 1 when static)."""

    channel: np.ndarray
    noise_var: np.ndarray
    changed: np.ndarray
    mismatch: np.ndarray
    noise: float           # the burst's pooled noise variance against these channels


def symbol_channels(grid: np.ndarray, known: np.ndarray, pilot_idx: np.ndarray, est: TrainingEstimate,
                    noise: float, span: int = 2, factor: float = 2.0) -> SymbolChannels:
    """Follow a channel that changes after the training symbols (fading, a gain step).

    grid complex [S, n_used]: phase-corrected symbols; known complex [S, n_pilots] their pilots.
    A symbol whose pilots, averaged over ±``span`` symbols, differ from the training channel
    by more than ``factor`` times the noise gets the channel fitted to those averaged pilots in
    the training's delay window (least squares through the window's basis at the pilot
    subcarriers, lightly regularised). The noise variance of every symbol comes from its pilot
    residuals against the channel it is equalised with, averaged the same way, never below the
    burst's pooled ``noise``; on a static channel nothing changes (the scatter of a few pilots
    never reaches the factor).
    """
    s, n_used = grid.shape
    ch = est.channel
    nv = np.full(s, float(noise) * (1.0 + est.est_factor))
    changed = np.zeros(s, bool)
    p = pilot_idx.size
    if s == 0 or p < 2:
        return SymbolChannels(ch, nv, changed, np.zeros(s), float(noise))
    hp = grid[:, pilot_idx] / known                                           # [S, P]
    mismatch = np.mean(np.abs(hp - est.channel[pilot_idx]) ** 2, axis=1)
    # measured against the training symbols' noise: the pooled one already contains these pilots
    ratio = _moving_mean(mismatch, span) / (est.noise_var * (1.0 + est.est_factor) + 1e-30)
    changed = ratio > factor
    if changed.any():
        ch = np.broadcast_to(est.channel, (s, n_used)).copy()
        u = est.basis
        up = u[pilot_idx]                                                      # [P, r]
        gram = np.einsum("pr,pq->rq", up.conj(), up)
        gram += np.eye(gram.shape[0]) * (1e-2 * np.trace(gram).real / gram.shape[0])
        avg = _moving_mean(hp, span)[changed]                                  # [C, P]
        coef = np.linalg.solve(gram, np.einsum("pr,cp->rc", up.conj(), avg))   # [r, C]
        ch[changed] = np.einsum("nr,rc->cn", u, coef)
        n_avg = min(2 * span + 1, s)
        est_factor = min(1.0, u.shape[1] / (p * n_avg))
    res = np.abs(grid[:, pilot_idx] - ch[..., pilot_idx] * known) ** 2
    per_raw = np.sum(res, axis=1) / (p - 1)
    per = _moving_mean(per_raw, span)
    if changed.any():   # the pooled noise counted these pilots against the stale channel: redo it
        pilots = float(np.mean(per_raw)) / (1.0 + est.est_factor)
        noise = pooled_noise([(est.noise_var, est.dof), (pilots, s * (p - 1))])
    floor = float(noise) * (1.0 + est.est_factor)
    nv = np.maximum(per, floor)
    if changed.any():
        nv[changed] = np.maximum(per[changed] * (1.0 + est_factor), floor)
    nv[~changed] = np.where(per[~changed] > factor * floor, per[~changed], floor)
    return SymbolChannels(ch.astype(np.complex64), nv, changed, ratio, float(noise))

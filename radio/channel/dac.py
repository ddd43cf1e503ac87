"""The Pluto's transmit path into its 12-bit DAC, in pyadi-iio's int16 convention.

pyadi-iio's Pluto ``tx()`` takes complex values scaled so that full scale (1.0 in this
project's units) is ``TX_FULL_SCALE = 2**14`` and converts them with ``numpy.astype(int16)``:
it does **not** clip, so a value beyond the int16 range wraps around (a sample at 2.1 full
scale comes out near -1.9 — a loud, broadband glitch). The AD9361 then takes the top 12 bits.
Everything this project sends is clipped to +-1.0 full scale before the conversion
(:func:`to_tx_codes`); :func:`int16_wrap` models what happens without that guard.
"""

from __future__ import annotations

import numba
import numpy as np

TX_FULL_SCALE = 2 ** 14   # int16 code of 1.0 full scale on the Pluto's TX (pyadi-iio convention)


def int16_wrap(v: np.ndarray) -> np.ndarray:
    """float [N] -> int16 [N] as an unguarded float->int16 cast does: truncate toward zero, wrap mod 2^16."""
    t = np.trunc(np.asarray(v, dtype=np.float64))
    t = np.where(np.isfinite(t), t, 0.0)
    return ((t.astype(np.int64) + 2 ** 15) % 2 ** 16 - 2 ** 15).astype(np.int16)


def clip_full_scale(x: np.ndarray) -> tuple[np.ndarray, int]:
    """complex [N] -> (complex128 [N] with I and Q each clipped to +-1.0, number of samples clipped)."""
    x = np.asarray(x)
    i, q = np.real(x), np.imag(x)
    over = int(np.count_nonzero((np.abs(i) > 1.0) | (np.abs(q) > 1.0)))
    if over == 0:
        return x.astype(np.complex128, copy=False), 0
    return np.clip(i, -1.0, 1.0) + 1j * np.clip(q, -1.0, 1.0), over


def to_tx_codes(x: np.ndarray) -> np.ndarray:
    """complex [N] full-scale units -> complex128 [N] in pyadi-iio TX units (+-2^14), clipped first.

    The result is what ``adi.Pluto.tx`` should be given: every value is inside int16, so its
    internal ``astype(int16)`` cannot wrap.
    """
    clipped, _ = clip_full_scale(x)
    return clipped * TX_FULL_SCALE


def dac_output(codes_i: np.ndarray, codes_q: np.ndarray, bits: int = 12) -> np.ndarray:
    """int16 I and Q codes -> complex128 [N] full-scale units after a ``bits``-bit DAC (top bits kept)."""
    shift = 16 - bits
    i = (codes_i.astype(np.int32) >> shift) << shift
    q = (codes_q.astype(np.int32) >> shift) << shift
    return (i + 1j * q) / TX_FULL_SCALE


@numba.njit(cache=True)
def _dac_kernel(x, guard, shift, out):   # pragma: no cover - numba; same steps as the numpy functions
    clipped = 0
    wrapped = 0
    for n in range(len(x)):
        v = (x[n].real, x[n].imag)
        if guard and (abs(v[0]) > 1.0 or abs(v[1]) > 1.0):
            clipped += 1
        codes = [0, 0]
        over = False
        for k in range(2):
            f = v[k]
            if guard:
                f = min(max(f, -1.0), 1.0)
            f *= TX_FULL_SCALE
            if abs(f) >= 32768.0:
                over = True
            t = np.int64(np.trunc(f)) if np.isfinite(f) else np.int64(0)
            c = (t + 32768) % 65536 - 32768          # int16 wrap-around
            codes[k] = (c >> shift) << shift          # the DAC keeps the top bits
        if over:
            wrapped += 1
        out[n] = complex(codes[0] / TX_FULL_SCALE, codes[1] / TX_FULL_SCALE)
    return clipped, wrapped


class PlutoDAC:
    """Full-scale samples -> what the DAC emits: optional +-1.0 clip guard, int16 cast (wraps), 12 bits."""

    def __init__(self, bits: int = 12, guard: bool = True):
        self.bits = int(bits)
        self.guard = bool(guard)
        self.clipped = 0   # samples clipped by the guard so far
        self.wrapped = 0   # samples whose I or Q wrapped around (only without the guard)

    def apply(self, x: np.ndarray) -> np.ndarray:
        """x: complex [N] full-scale units -> complex128 [N] full-scale units."""
        x = np.ascontiguousarray(x, dtype=np.complex128)
        out = np.empty_like(x)
        clipped, wrapped = _dac_kernel(x, self.guard, 16 - self.bits, out)
        self.clipped += clipped
        self.wrapped += wrapped
        return out

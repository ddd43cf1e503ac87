"""The receive gain and the Pluto's 12-bit ADC: gain, rounding to counts, saturation.

pyadi-iio's Pluto ``rx()`` returns the ADC's counts, sign-extended into int16: +-2^11 =
``RX_FULL_SCALE`` is full scale (1.0 in this project's units). Anything louder saturates at
the rails; anything quieter than one count is lost in the quantisation.
"""

from __future__ import annotations

import numba
import numpy as np

RX_FULL_SCALE = 2 ** 11   # ADC counts of 1.0 full scale on the Pluto's RX


@numba.njit(cache=True)
def _adc_kernel(x, gain, top, out):   # pragma: no cover - numba
    sat = 0
    for n in range(len(x)):
        i = np.rint(x[n].real * gain * top)
        q = np.rint(x[n].imag * gain * top)
        if i >= top or i < -top or q >= top or q < -top:
            sat += 1
        i = min(max(i, -top), top - 1)
        q = min(max(q, -top), top - 1)
        out[n] = complex(i / top, q / top)
    return sat


class PlutoADC:
    """Applies ``gain_db`` (settable between calls), then quantises to ``bits`` bits with saturation."""

    def __init__(self, bits: int = 12, gain_db: float = 0.0):
        self.bits = int(bits)
        self.gain_db = float(gain_db)
        self.saturated = 0   # samples that hit the rails so far

    def apply(self, x: np.ndarray) -> np.ndarray:
        """x: complex [N] full-scale units at the ADC input -> complex128 [N] full-scale units."""
        gain = 10.0 ** (self.gain_db / 20.0)
        if self.bits == 0:
            return np.asarray(x, dtype=np.complex128) * gain
        x = np.ascontiguousarray(x, dtype=np.complex128)
        out = np.empty_like(x)
        self.saturated += _adc_kernel(x, gain, float(2 ** (self.bits - 1)), out)
        return out

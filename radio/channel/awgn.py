"""Additive white Gaussian noise at a set in-band SNR.

In-band SNR (the project's one SNR definition): received signal power divided by the noise
power inside the occupied band (the used subcarriers). A burst of mean power ``P`` over the
whole sampled band with occupied fraction ``f = n_used / fft_size`` sees, per subcarrier,
``Es/N0 = P / (f * sigma2)``; so the per-sample complex noise variance is
``sigma2 = P / (f * 10**(snr_db / 10))``.
"""

from __future__ import annotations

import numpy as np

from radio.errors import RadioError


def noise_variance(snr_db: float, reference_power: float, occupied_fraction: float) -> float:
    """Per-sample complex noise variance sigma^2 (full-scale units^2) for an in-band SNR in dB."""
    if not np.isfinite(snr_db):
        raise RadioError(f"snr_db must be a finite number, got {snr_db}")
    if reference_power <= 0 or not 0 < occupied_fraction <= 1:
        raise RadioError("reference_power must be > 0 and occupied_fraction in (0, 1]")
    return float(reference_power / (occupied_fraction * 10.0 ** (snr_db / 10.0)))


def complex_normal(rng: np.random.Generator, n: int) -> np.ndarray:
    """complex128 [n] of unit variance (E|z|^2 = 1).

    Real and imaginary parts are drawn interleaved from one stream, so n draws followed by m
    draws equal one draw of n + m: streaming in any buffer size gives the same noise.
    """
    return rng.standard_normal(2 * n).view(np.complex128) * np.sqrt(0.5)


class AWGN:
    """Adds circular complex Gaussian noise of variance ``noise_var`` to every sample."""

    def __init__(self, noise_var: float, rng: np.random.Generator):
        if noise_var < 0:
            raise RadioError(f"noise variance must be >= 0, got {noise_var}")
        self.noise_var = float(noise_var)
        self._rng = rng

    def apply(self, x: np.ndarray) -> np.ndarray:
        """x: complex [N] -> complex128 [N], x plus noise."""
        if self.noise_var == 0:
            return x.astype(np.complex128, copy=False)
        return x + np.sqrt(self.noise_var) * complex_normal(self._rng, len(x))

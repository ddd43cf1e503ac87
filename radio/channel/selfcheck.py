"""Print the simulator's calibration figures quoted in docs/devices.md.

Run: ``.venv/bin/python -m radio.channel.selfcheck`` (about 20 s on one core).
"""

from __future__ import annotations

import time

import numpy as np

from radio.channel import ChannelConfig, LoopbackChannel, load_channel_config
from radio.channel.sfo import SampleClockOffset

FFT, USED = 128, np.r_[1:49, 80:128]   # the default profile's grid: 96 used bins, DC empty


def ofdm_like(n_sym: int, power: float, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """(complex128 [n_sym*FFT] samples, complex128 [n_sym, FFT] spectra): QPSK on the used bins."""
    rng = np.random.default_rng(seed)
    X = np.zeros((n_sym, FFT), complex)
    X[:, USED] = rng.choice([-1, 1], (n_sym, len(USED))) + 1j * rng.choice([-1, 1], (n_sym, len(USED)))
    x = np.fft.ifft(X, axis=1).ravel()
    s = np.sqrt(power / np.mean(np.abs(x) ** 2))
    return x * s, X * s


def main() -> None:
    p = 10 ** -1.5
    x, X = ofdm_like(4000, p)
    for snr in (0, 10, 20, 25, 40):
        ch = LoopbackChannel(ChannelConfig(snr_db=snr, reference_power=p), seed=3)
        y = ch.apply(x.astype(np.complex64))
        Y = np.fft.fft(y.reshape(-1, FFT), axis=1)
        m = 10 * np.log10(np.mean(np.abs(X[:, USED]) ** 2) / np.mean(np.abs(Y[:, USED] - X[:, USED]) ** 2))
        print(f"awgn set {snr:5.1f} dB  measured in-band {m:6.2f} dB  (12-bit DAC and ADC included)")
    for ppm in (50.0, -50.0):
        y = SampleClockOffset(ppm).apply(x)
        print(f"sfo {ppm:+6.1f} ppm: {len(x)} -> {len(y)} samples (16 held back for the next call)")
    for nu in (0.1, 0.3, 0.375, 0.42, 0.45):
        t = np.exp(2j * np.pi * nu * np.arange(200_000))
        y = SampleClockOffset(50.0).apply(t)
        ideal = np.exp(2j * np.pi * nu * np.arange(len(y)) * (1 + 50e-6))
        err = 10 * np.log10(np.mean(np.abs(y[100:] - ideal[100:]) ** 2))
        print(f"sfo resampling error, tone at {nu:5.3f} fs: {err:6.1f} dB")
    z = np.zeros(1 << 20, np.complex64)
    for name in ("awgn", "multipath", "rayleigh", "two-plutos-bench"):
        ch = LoopbackChannel(load_channel_config(name), seed=0)
        ch.apply(z[:1000])   # compile the numba kernels
        best = np.inf
        for _ in range(3):
            t0 = time.perf_counter()
            ch.apply(z)
            best = min(best, time.perf_counter() - t0)
        print(f"{name:18s} {len(z) / best / 1e6:5.1f} MS/s (one core)")


if __name__ == "__main__":
    main()

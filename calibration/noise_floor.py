"""Noise floor versus RX gain, and the RX gain at which the link's signal saturates the ADC.

Two sweeps of ``rx_hardwaregain_chan0`` (manual gain):

1. transmitter quiet: the mean power of the received samples (DC removed) is the noise floor
   in dBFS at each gain — what the receiver hears when nobody sends;
2. the radio's own bursts repeating at ``tx_hardwaregain_chan0``: the share of samples on the
   ADC rails at each gain; the **saturation gain** is the lowest gain at which more than
   ``max_clip`` of the samples clip (OFDM's peaks reach the rails ~10 dB before its RMS does).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from calibration.capture import CAPTURE_BUFFER, Link, burst_train, clip_fraction, dbfs
from radio.devices.base import RX_GAIN_RANGE
from radio.profile import RadioProfile


@dataclass
class NoiseFloor:
    """rx_gain_db [G] swept (dB); noise_dbfs [G] quiet-receiver power (DC removed, dBFS);
    signal_dbfs / clip_fraction [G'] with the bursts on at tx_gain_db (the signal sweep stops a
    few gains after saturation, so G' ≤ G); saturation_rx_gain_db: lowest gain clipping more
    than max_clip of the samples (None: none in the range)."""

    tx_gain_db: float = 0.0
    max_clip: float = 1e-4
    rx_gain_db: list[float] = field(default_factory=list)
    noise_dbfs: list[float] = field(default_factory=list)
    signal_dbfs: list[float] = field(default_factory=list)
    clip_fraction: list[float] = field(default_factory=list)
    saturation_rx_gain_db: float | None = None

    def noise_at(self, rx_gain_db: float) -> float:
        """Noise floor (dBFS) at a gain, interpolated between the measured ones."""
        return float(np.interp(rx_gain_db, self.rx_gain_db, self.noise_dbfs))


def default_gains(step_db: float = 1.0) -> list[float]:
    """The Pluto's whole manual RX gain range (-3 .. 71 dB) in ``step_db`` steps."""
    lo, hi = RX_GAIN_RANGE
    return [float(g) for g in np.arange(lo, hi + 1e-9, step_db)]


def measure_noise_floor(link: Link, profile: RadioProfile, rx_gains: list[float] | None = None,
                        tx_gain_db: float | None = None, n_samples: int = CAPTURE_BUFFER,
                        max_clip: float = 1e-4, after_saturation: int = 3, seed: int = 0) -> NoiseFloor:
    """Run both sweeps on ``link`` (configured from ``profile``); gains ascending.

    tx_gain_db: TX attenuation during the signal sweep (default: the profile's)."""
    gains = sorted(float(g) for g in (rx_gains if rx_gains is not None else default_gains()))
    tx_gain = float(profile.tx_gain_db if tx_gain_db is None else tx_gain_db)
    out = NoiseFloor(tx_gain_db=tx_gain, max_clip=float(max_clip), rx_gain_db=gains)
    link.quiet()
    for g in gains:
        link.set_gains(rx_gain_db=g)
        x = link.capture(n_samples)
        out.noise_dbfs.append(dbfs(np.mean(np.abs(x - x.mean()) ** 2)))
    wave, _ = burst_train(profile, n_bursts=2, payload_len=2000, gap=64, seed=seed)
    link.set_gains(tx_gain_db=tx_gain)
    link.transmit(wave)
    left = None
    for g in gains:
        link.set_gains(rx_gain_db=g)
        x = link.capture(max(n_samples, wave.size))
        out.signal_dbfs.append(dbfs(np.mean(np.abs(x) ** 2)))
        out.clip_fraction.append(clip_fraction(x))
        if out.saturation_rx_gain_db is None and out.clip_fraction[-1] > max_clip:
            out.saturation_rx_gain_db = g
            left = after_saturation
        if left is not None:
            if left == 0:
                break
            left -= 1
    link.quiet()
    return out

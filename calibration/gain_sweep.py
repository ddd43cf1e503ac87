"""TX attenuation / RX gain sweep: the link's SNR at each setting, measured by the radio's own
receiver, and the operating point for a target SNR without clipping.

At every (``tx_hardwaregain_chan0``, ``rx_hardwaregain_chan0``) the transmitter repeats a train
of the radio's bursts; a fresh :class:`radio.receiver.Receiver` (with the board's receive
corrections, if given) decodes a capture of it. Per point: the median in-band SNR of the
decoded bursts (the receiver's estimator, docs/radio.md), the share of bursts whose header
decoded, the received level and peak (dBFS) and the share of clipped samples.

Recommendation: among the points without a clipped sample, with the peak at least
``headroom_db`` below full scale and every header decoded, the *least* transmit power that
reaches ``target_snr_db`` (less interference, less distortion in the TX chain), and at that TX
setting the RX gain with the best SNR. If no point reaches the target, the clean point with the
best SNR, with ``target_met: false``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from calibration.capture import Link, burst_train, clip_fraction, dbfs
from radio.devices.base import RX_GAIN_RANGE, TX_GAIN_RANGE
from radio.profile import RadioProfile
from radio.receiver import Receiver


@dataclass
class GainPoint:
    """One setting: gains (dB); snr_db: median receiver SNR (None: no header decoded);
    header_success: decoded / sent bursts; level_dbfs, peak_dbfs: mean power and largest
    |I|,|Q| of the capture; clip_fraction; cfo_hz: median receiver CFO (None: none decoded)."""

    tx_gain_db: float
    rx_gain_db: float
    snr_db: float | None = None
    header_success: float = 0.0
    level_dbfs: float = -200.0
    peak_dbfs: float = -200.0
    clip_fraction: float = 0.0
    cfo_hz: float | None = None

    def clean(self, headroom_db: float) -> bool:
        return (self.clip_fraction == 0.0 and self.peak_dbfs <= -headroom_db
                and self.header_success >= 1.0 and self.snr_db is not None)


@dataclass
class GainSweep:
    """The sweep and its recommendation (tx_gain_db, rx_gain_db, the SNR measured there)."""

    target_snr_db: float = 25.0
    headroom_db: float = 1.0
    tx_gain_db: float | None = None
    rx_gain_db: float | None = None
    snr_db: float | None = None
    target_met: bool = False
    points: list[GainPoint] = field(default_factory=list)


def default_grid(profile: RadioProfile, saturation_rx_gain_db: float | None = None) -> tuple[list[float], list[float]]:
    """TX attenuation from 30 dB below the profile's up to 0 dB in 5 dB steps; RX gains at the
    profile's and 10 dB either side (kept 3 dB under a known saturation gain)."""
    tx = sorted({float(np.clip(profile.tx_gain_db + d, *TX_GAIN_RANGE)) for d in range(-30, 31, 5)})
    rx_top = RX_GAIN_RANGE[1] if saturation_rx_gain_db is None else saturation_rx_gain_db - 3
    rx = sorted({float(np.clip(min(profile.rx_gain_db + d, rx_top), *RX_GAIN_RANGE)) for d in (-10, 0, 10)})
    return tx, rx


def recommend(points: list[GainPoint], target_snr_db: float, headroom_db: float = 1.0) -> tuple[GainPoint | None, bool]:
    """(the recommended point or None if no point is clean, whether it meets the target)."""
    clean = [p for p in points if p.clean(headroom_db)]
    if not clean:
        return None, False
    meeting = [p for p in clean if p.snr_db >= target_snr_db]
    if meeting:
        tx = min(p.tx_gain_db for p in meeting)
        return max((p for p in meeting if p.tx_gain_db == tx), key=lambda p: p.snr_db), True
    return max(clean, key=lambda p: p.snr_db), False


def measure_point(link: Link, profile: RadioProfile, wave: np.ndarray, n_bursts: int,
                  repeats: int = 2) -> tuple[list, float, float, float, float]:
    """Capture ``repeats`` + 1 periods of the repeating burst train and decode them.

    Returns (decoded bursts, header success, level dBFS, peak dBFS, clip fraction) — the
    success counts the ``repeats·n_bursts`` bursts a capture of that length surely holds."""
    x = link.capture((repeats + 1) * wave.size)
    bursts = Receiver(profile).process(x)
    ok = [b for b in bursts if b.header is not None]
    success = min(1.0, len(ok) / (repeats * n_bursts))
    peak = float(max(np.abs(x.real).max(), np.abs(x.imag).max()))
    return ok, success, dbfs(np.mean(np.abs(x) ** 2)), float(20 * np.log10(max(peak, 1e-10))), clip_fraction(x)


def sweep_gains(link: Link, profile: RadioProfile, tx_gains: list[float] | None = None,
                rx_gains: list[float] | None = None, target_snr_db: float = 25.0,
                headroom_db: float = 1.0, n_bursts: int = 3, payload_len: int = 1500,
                saturation_rx_gain_db: float | None = None, seed: int = 0) -> GainSweep:
    """Sweep every (tx, rx) pair and recommend one. ``profile`` is what the receiver runs with
    (pass ``calibration.apply_profile``'s result to measure with the board's corrections)."""
    d_tx, d_rx = default_grid(profile, saturation_rx_gain_db)
    tx_gains = sorted(float(g) for g in (tx_gains if tx_gains is not None else d_tx))
    rx_gains = sorted(float(g) for g in (rx_gains if rx_gains is not None else d_rx))
    wave, _ = burst_train(profile, n_bursts=n_bursts, payload_len=payload_len, seed=seed)
    out = GainSweep(target_snr_db=float(target_snr_db), headroom_db=float(headroom_db))
    link.set_gains(tx_gain_db=tx_gains[0], rx_gain_db=rx_gains[0])
    link.transmit(wave)
    try:
        for tx in tx_gains:
            for rx in rx_gains:
                link.set_gains(tx_gain_db=tx, rx_gain_db=rx)
                ok, success, level, peak, clip = measure_point(link, profile, wave, n_bursts)
                out.points.append(GainPoint(
                    tx_gain_db=tx, rx_gain_db=rx,
                    snr_db=float(np.median([b.snr_db for b in ok])) if ok else None,
                    header_success=success, level_dbfs=level, peak_dbfs=peak, clip_fraction=clip,
                    cfo_hz=float(np.median([b.cfo_hz for b in ok])) if ok else None))
    finally:
        link.quiet()
    best, met = recommend(out.points, target_snr_db, headroom_db)
    if best is not None:
        out.tx_gain_db, out.rx_gain_db, out.snr_db, out.target_met = best.tx_gain_db, best.rx_gain_db, best.snr_db, met
    return out

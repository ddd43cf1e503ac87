"""Accuracy of the calibration routines on the loopback simulator, and what the profile buys the
link. Prints the figures quoted in docs/calibration.md.

    .venv/bin/python scripts/calibration_accuracy.py
"""

from __future__ import annotations

import numpy as np

from calibration.board_profile import apply_profile
from calibration.capture import Link
from calibration.cfo import measure_cfo
from calibration.gain_sweep import sweep_gains
from calibration.iq import measure_iq
from calibration.run import calibrate
from dvst.bench.radio import output_snr_db, run_link
from radio.channel import ChannelConfig
from radio.devices import loopback_pair
from radio.profile import load_profile
from radio.receiver import Receiver


def make_link(profile, base, seed, **impairments):
    cfg = ChannelConfig.for_profile(profile, base, **impairments)
    tx, rx = loopback_pair(cfg, seed)
    link = Link(tx, rx)
    link.prepare(profile)
    return link, cfg


def estimates(profile, n: int = 10) -> None:
    """Random crystal offsets (±50 ppm), IQ imbalance (±1.5 dB, ±8°) and DC (±0.01 FS) on the
    two-plutos-bench scenario (multipath, phase noise, 25 dB)."""
    cfo, gain, phase, dc = [], [], [], []
    for s in range(n):
        rng = np.random.default_rng(100 + s)
        ppm, g_db, p_deg = rng.uniform(-50, 50), rng.uniform(-1.5, 1.5), rng.uniform(-8, 8)
        d = rng.uniform(-0.01, 0.01, 2)
        link, cfg = make_link(profile, "two-plutos-bench", s, clock_ppm=ppm, iq_gain_db=g_db,
                              iq_phase_deg=p_deg, dc_offset=list(d))
        cfo.append(measure_cfo(link, profile).ppm - ppm)
        q = measure_iq(link, rx_gain_db=50.0)
        gain.append(q.gain_db - g_db)
        phase.append(q.phase_deg - p_deg)
        scale = 10 ** ((cfg.rx_gain_db + 50.0 - cfg.rx_gain_ref_db) / 20)
        dc.append(float(np.max(np.abs(np.array(q.dc_offset) - d * scale))))
    print(f"{n} random boards on two-plutos-bench:")
    print(f"  CFO error: max {np.max(np.abs(cfo)):.4f} ppm, rms {np.sqrt(np.mean(np.square(cfo))):.4f} ppm")
    print(f"  IQ gain error: max {np.max(np.abs(gain)):.4f} dB; phase error: max {np.max(np.abs(phase)):.3f} deg")
    print(f"  DC error: max {np.max(dc):.2e} full scale")


def snr(profile) -> None:
    err = []
    for s in range(3):
        link, cfg = make_link(profile, "awgn", s, snr_db=20.0)
        sweep = sweep_gains(link, profile, tx_gains=[-30.0, -20.0, -10.0, -5.0, 0.0], rx_gains=[30.0], seed=s)
        err += [p.snr_db - (cfg.snr_db + p.tx_gain_db - cfg.tx_gain_ref_db) for p in sweep.points
                if p.snr_db is not None]
    print(f"gain sweep on awgn (set 0 .. 30 dB, {len(err)} points): SNR error max {np.max(np.abs(err)):.3f} dB, "
          f"mean {np.mean(err):+.3f} dB")


def link_gain(profile) -> None:
    impair = dict(snr_db=30.0, iq_gain_db=1.5, iq_phase_deg=8.0, dc_offset=[0.01, -0.008], clock_ppm=20.0)
    link, cfg = make_link(profile, "awgn", 7, **impair)
    cal = calibrate(link, profile, routines=("cfo", "iq"))
    for name, prof in (("uncalibrated", profile), ("calibrated", apply_profile(profile, cal))):
        run = run_link(prof, cfg, n_bursts=8, payload_len=2000, seed=8, receiver=Receiver(prof))
        ok = sum(b.header is not None for b in run.bursts)
        print(f"  IQ 1.5 dB / 8 deg, DC, 20 ppm, 30 dB: {name:12s} headers {ok}/8, "
              f"analog output SNR {np.mean(output_snr_db(run)):.2f} dB")
    link, cfg = make_link(profile, "awgn", 9, snr_db=25.0, clock_ppm=90.0)
    cal = calibrate(link, profile, routines=("cfo",))
    for name, prof in (("uncalibrated", profile), ("calibrated", apply_profile(profile, cal))):
        run = run_link(prof, cfg, n_bursts=8, payload_len=2000, seed=10, receiver=Receiver(prof))
        ok = sum(b.header is not None for b in run.bursts)
        print(f"  90 ppm (beyond the 60 ppm search), 25 dB: {name:12s} headers {ok}/8")


if __name__ == "__main__":
    p = load_profile("default")
    estimates(p)
    snr(p)
    print("the profile on the link (8 bursts of 2000 analog symbols):")
    link_gain(p)

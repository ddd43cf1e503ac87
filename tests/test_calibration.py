"""Calibration routines on the loopback simulator with known impairments.

Tolerances: SNR within 0.5 dB, carrier offset within 1 ppm, IQ imbalance within 0.1 dB and 1°,
DC offset within 2e-4 full scale (≈ 4.5 standard errors of the mean at the noise used), noise
floor within 0.3 dB, ADC saturation gain within 1 dB.
"""

from __future__ import annotations

import numpy as np
import pytest

from calibration.board_profile import (
    CalibratedProfile,
    CalibrationProfile,
    apply_profile,
    load_calibration,
    save_calibration,
)
from calibration.capture import RAIL, Link, burst_train
from calibration.cfo import measure_cfo
from calibration.gain_sweep import GainPoint, recommend, sweep_gains
from calibration.iq import estimate_iq, measure_iq
from calibration.noise_floor import measure_noise_floor
from calibration.run import calibrate, open_link
from dvst.bench.radio import output_snr_db, run_link
from foundation.errors import ProjectError
from radio.channel import ChannelConfig, noise_variance
from radio.channel.dac import dac_output, to_tx_codes
from radio.channel.iq_imbalance import IQImbalance as ChannelIQ
from radio.devices import loopback_pair
from radio.profile import load_profile
from radio.receiver import Receiver
from sync.correction import RxCorrection, RxCorrector, iq_correct


@pytest.fixture(scope="module")
def profile():
    return load_profile("default")


def make_link(profile, seed=0, base="awgn", **impairments) -> tuple[Link, ChannelConfig]:
    cfg = ChannelConfig.for_profile(profile, base, **impairments)
    tx, rx = loopback_pair(cfg, seed)
    link = Link(tx, rx)
    link.prepare(profile)
    return link, cfg


def adc_gain_db(cfg: ChannelConfig, rx_gain_db: float) -> float:
    """Gain (dB) from the channel's RX input to the ADC at a Pluto RX gain."""
    return cfg.rx_gain_db + rx_gain_db - cfg.rx_gain_ref_db


# ---- the receive correction itself ---------------------------------------------------------
def test_iq_correct_inverts_the_channel_model():
    rng = np.random.default_rng(0)
    x = (rng.normal(size=4096) + 1j * rng.normal(size=4096)).astype(np.complex64)
    for gain_db, phase_deg in ((1.5, 8.0), (-0.7, -3.0), (0.0, 0.0)):
        y = ChannelIQ(gain_db, phase_deg).apply(x)
        assert np.allclose(iq_correct(y, gain_db, phase_deg), x, atol=1e-5)
    y = ChannelIQ(1.5, 8.0).apply(x)
    assert np.max(np.abs(y - x)) > 0.1          # the imbalance is real, and undone above


def test_corrector_derotates_continuously_across_buffers():
    fs, cfo = 2e6, 12345.0
    n = np.arange(10000)
    x = np.exp(2j * np.pi * cfo * n / fs).astype(np.complex64)
    c = RxCorrector(RxCorrection(cfo_hz=cfo), fs)
    out = np.concatenate([c.process(x[a:b]) for a, b in ((0, 1), (1, 4097), (4097, 10000))])
    assert np.allclose(out, 1.0, atol=1e-3)


# ---- IQ imbalance and DC offset ----------------------------------------------------------------
@pytest.mark.parametrize("gain_db,phase_deg,dc", [(0.2, 1.0, (0.002, -0.001)), (1.5, 8.0, (0.01, -0.008)),
                                                   (-0.8, -4.0, (0.0, 0.0))])
def test_iq_and_dc_estimates_within_tolerance(profile, gain_db, phase_deg, dc):
    link, cfg = make_link(profile, seed=1, snr_db=20.0, iq_gain_db=gain_db, iq_phase_deg=phase_deg,
                          dc_offset=list(dc), clock_ppm=7.0)
    rx_gain = 50.0
    est = measure_iq(link, rx_gain_db=rx_gain)
    assert abs(est.gain_db - gain_db) <= 0.1
    assert abs(est.phase_deg - phase_deg) <= 1.0
    scale = 10 ** (adc_gain_db(cfg, rx_gain) / 20)
    assert np.allclose(est.dc_offset, np.array(dc) * scale, atol=2e-4)
    assert est.rx_gain_db == rx_gain and est.n_samples == 1 << 18


def test_iq_needs_noise_above_the_adc_step(profile):
    link, _ = make_link(profile, snr_db=20.0)
    with pytest.raises(ProjectError, match="raise the RX gain"):
        measure_iq(link, rx_gain_db=0.0)
    with pytest.raises(ProjectError):
        estimate_iq(np.zeros(100, np.complex64))


# ---- carrier offset -------------------------------------------------------------------------------
@pytest.mark.parametrize("ppm,base", [(12.0, "two-plutos-bench"), (-37.5, "awgn"), (0.0, "awgn"), (55.0, "multipath")])
def test_cfo_within_one_ppm(profile, ppm, base):
    link, cfg = make_link(profile, seed=3, base=base, clock_ppm=ppm)
    est = measure_cfo(link, profile)
    assert abs(est.ppm - ppm) <= 1.0
    assert est.cfo_hz == pytest.approx(est.ppm * 1e-6 * profile.center_freq)
    assert est.xo_correction is None and est.xo_measured is None      # a simulator has no crystal to trim


def test_cfo_through_pyadi_iio_fake_pluto(profile):
    link = open_link("fake-pluto", profile, channel="two-plutos-bench", seed=4)
    est = measure_cfo(link, profile)
    assert abs(est.ppm - 12.0) <= 1.0
    assert link.tx.sdr.calls.count("tx") == 1 and link.tx is not link.rx   # one cyclic buffer, two boards
    with pytest.raises(ProjectError, match="xo_correction"):
        measure_cfo(link, profile, apply_xo=True)


def test_cfo_beyond_search_range_is_an_error_not_a_wrong_answer(profile):
    link, _ = make_link(profile, clock_ppm=90.0)
    with pytest.raises(ProjectError, match="outside the search"):
        measure_cfo(link, profile, max_ppm=60.0)


# ---- noise floor and saturation -------------------------------------------------------------------
def test_noise_floor_and_saturation_gain(profile):
    link, cfg = make_link(profile, snr_db=20.0)
    gains = [float(g) for g in range(20, 62, 2)]
    nf = measure_noise_floor(link, profile, rx_gains=gains)
    sigma2 = noise_variance(cfg.snr_db, cfg.reference_power, cfg.occupied_fraction)
    for g, measured in zip(nf.rx_gain_db, nf.noise_dbfs):
        truth = 10 * np.log10(sigma2) + adc_gain_db(cfg, g)
        if truth > -55:
            assert abs(measured - truth) <= 0.3, (g, measured, truth)
    # Truth: the repeating bursts through the DAC, scaled to the ADC, clipping > 1e-4 of the samples
    wave, _ = burst_train(profile, n_bursts=2, payload_len=2000, gap=64, seed=0)
    codes = to_tx_codes(wave)
    sent = dac_output(codes.real, codes.imag)
    peak = np.maximum(np.abs(sent.real), np.abs(sent.imag))
    truth_sat = next(g for g in gains
                     if np.mean(peak * 10 ** ((adc_gain_db(cfg, g) + profile.tx_gain_db - cfg.tx_gain_ref_db) / 20)
                                >= RAIL) > 1e-4)
    assert nf.saturation_rx_gain_db is not None
    assert abs(nf.saturation_rx_gain_db - truth_sat) <= 1.0
    assert len(nf.clip_fraction) <= len(gains) and max(nf.clip_fraction) > 1e-4


# ---- gain sweep -----------------------------------------------------------------------------------
def test_gain_sweep_snr_within_half_db_and_recommendation(profile):
    link, cfg = make_link(profile, seed=5, snr_db=20.0)
    sweep = sweep_gains(link, profile, tx_gains=[-25.0, -15.0, -10.0, -5.0, 0.0], rx_gains=[30.0, 45.0],
                        target_snr_db=22.0)
    for p in sweep.points:
        truth = cfg.snr_db + p.tx_gain_db - cfg.tx_gain_ref_db
        if p.clip_fraction == 0:
            assert p.snr_db is not None and abs(p.snr_db - truth) <= 0.5, (p, truth)
    clipped = [p for p in sweep.points if p.clip_fraction > 0]
    assert clipped, "the sweep should reach the ADC's rails at 45 dB RX gain and full TX power"
    # 22 dB needs the -5 dB setting (25 dB SNR); -10 dB gives only 20 dB
    assert sweep.target_met and sweep.tx_gain_db == -5.0
    best = next(p for p in sweep.points if (p.tx_gain_db, p.rx_gain_db) == (sweep.tx_gain_db, sweep.rx_gain_db))
    assert best.clip_fraction == 0 and best.peak_dbfs <= -1.0


def test_recommend_rules():
    pts = [GainPoint(-20, 40, snr_db=15.0, header_success=1.0, peak_dbfs=-10),
           GainPoint(-10, 40, snr_db=25.5, header_success=1.0, peak_dbfs=-3),
           GainPoint(-10, 50, snr_db=26.0, header_success=1.0, peak_dbfs=-0.5),       # too little headroom
           GainPoint(0, 40, snr_db=35.0, header_success=1.0, peak_dbfs=0.0, clip_fraction=0.01)]
    best, met = recommend(pts, 25.0)
    assert met and (best.tx_gain_db, best.rx_gain_db) == (-10, 40)
    best, met = recommend(pts, 30.0)
    assert not met and best.snr_db == 25.5
    assert recommend(pts[3:], 25.0) == (None, False)


# ---- the profile ----------------------------------------------------------------------------------
def test_profile_round_trip_and_apply(profile, tmp_path):
    link, _ = make_link(profile, seed=6, snr_db=25.0, clock_ppm=-20.0, iq_gain_db=0.5, iq_phase_deg=2.0,
                        dc_offset=[0.004, 0.002])
    cal = calibrate(link, profile, routines=("cfo", "iq"))
    path = save_calibration(cal, tmp_path / "board.yaml")
    back = load_calibration(path)
    assert back.board == cal.board and back.iq.dc_offset == pytest.approx(cal.iq.dc_offset, rel=1e-6)
    assert back.cfo.ppm == pytest.approx(cal.cfo.ppm, rel=1e-6)
    assert load_calibration(save_calibration(back, tmp_path / "again.yaml")) == back    # stable
    applied = apply_profile(profile, path)
    assert isinstance(applied, CalibratedProfile)
    c = applied.rx_correction
    assert c.iq_gain_db == pytest.approx(cal.iq.gain_db) and c.cfo_hz == pytest.approx(cal.cfo.cfo_hz)
    assert applied.tx_gain_db == profile.tx_gain_db           # no gain sweep: gains untouched
    # the carrier offset is a crystal error: it scales with the carrier
    other = apply_profile(load_profile("default", center_freq=5.8e9), back)
    assert other.rx_correction.cfo_hz == pytest.approx(cal.cfo.ppm * 1e-6 * 5.8e9)


CORRUPT = {
    "bad_yaml": "board: [unclosed\n",
    "not_a_mapping": "- just\n- a list\n",
    "unknown_key": "board: x\nflux_capacitor: 1\n",
    "wrong_type": "board: x\ncfo: {ppm: fast}\n",
    "missing_board": "device: pluto\n",
    "bad_section": "board: x\niq: 7\n",
    "implausible": "board: x\niq: {gain_db: 40.0}\n",
    "bad_gain": "board: x\ngain: {tx_gain_db: 5.0, rx_gain_db: 40.0}\n",
    "future_version": "board: x\nversion: 9\n",
    "binary": b"\x00\xff\xfe\x00garbage",
}


@pytest.mark.parametrize("name", sorted(CORRUPT))
def test_corrupt_profile_is_a_one_line_error(tmp_path, name, profile):
    path = tmp_path / f"{name}.yaml"
    data = CORRUPT[name]
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    with pytest.raises(ProjectError) as e:
        load_calibration(path)
    msg = str(e.value)
    assert "\n" not in msg and path.name in msg
    with pytest.raises(ProjectError):
        apply_profile(profile, path)
    with pytest.raises(ProjectError, match="not found"):
        load_calibration(tmp_path / "missing.yaml")


# ---- the point of it all: the link is better with the profile -------------------------------------
def test_profile_improves_the_link(profile):
    """IQ imbalance (1.5 dB, 8°: image rejection 19 dB) and DC offset at 30 dB SNR: the
    uncalibrated receiver's analog output SNR is capped near the image rejection; with the
    measured profile it comes within ~1 dB of the channel's SNR."""
    impair = dict(snr_db=30.0, iq_gain_db=1.5, iq_phase_deg=8.0, dc_offset=[0.01, -0.008], clock_ppm=20.0)
    link, cfg = make_link(profile, seed=7, **impair)
    cal = calibrate(link, profile, routines=("cfo", "iq"))
    out = {}
    for name, prof in (("raw", profile), ("calibrated", apply_profile(profile, cal))):
        run = run_link(prof, cfg, n_bursts=4, payload_len=2000, seed=8, receiver=Receiver(prof))
        ok = [b for b in run.bursts if b.header is not None]
        assert len(ok) == 4
        out[name] = float(np.mean(output_snr_db(run)))
        if name == "calibrated":
            assert all(abs(b.cfo_hz - 20e-6 * profile.center_freq) < 100 for b in ok)   # hint added back
    assert out["raw"] < 21.0
    assert out["calibrated"] > out["raw"] + 7.0
    assert out["calibrated"] > 28.0


def test_cfo_starting_estimate_reaches_beyond_the_search_range(profile):
    """90 ppm is beyond the receiver's 60 ppm search: nothing without the profile, every burst with it."""
    link, cfg = make_link(profile, seed=9, snr_db=25.0, clock_ppm=90.0)
    cal = calibrate(link, profile, routines=("cfo",))
    assert abs(cal.cfo.ppm - 90.0) <= 1.0
    raw = run_link(profile, cfg, n_bursts=3, payload_len=1000, seed=10, receiver=Receiver(profile))
    prof = apply_profile(profile, cal)
    fixed = run_link(prof, cfg, n_bursts=3, payload_len=1000, seed=10, receiver=Receiver(prof))
    assert sum(b.header is not None for b in raw.bursts) == 0
    assert sum(b.header is not None for b in fixed.bursts) == 3


def test_full_calibration_sets_the_operating_point(profile):
    link = open_link("loopback", profile, channel="two-plutos-bench", seed=11)
    cal = calibrate(link, profile, target_snr_db=22.0)
    assert isinstance(cal, CalibrationProfile) and cal.board == "loopback"
    assert abs(cal.cfo.ppm - 12.0) <= 1.0
    assert abs(cal.iq.gain_db - 0.2) <= 0.1 and abs(cal.iq.phase_deg - 1.0) <= 1.0
    assert cal.gain.target_met and cal.gain.snr_db >= 22.0
    assert cal.iq.rx_gain_db == cal.gain.rx_gain_db                 # DC re-measured at the operating gain
    assert cal.gain.rx_gain_db <= cal.noise_floor.saturation_rx_gain_db - 3
    applied = apply_profile(profile, cal)
    assert (applied.tx_gain_db, applied.rx_gain_db, applied.gain_control_mode) == \
        (cal.gain.tx_gain_db, cal.gain.rx_gain_db, "manual")


# ---- xo_correction through pyadi-iio's device-attribute calls ----------------------------------
XO_NOMINAL = 40_000_000


def xo_fake_pair(profile, ppm0: float, seed: int = 0):
    """Two FakePlutos; the receiving one also has the ad9361-phy attribute ``xo_correction``
    (pyadi-iio's ``_get_iio_dev_attr`` / ``_set_iio_dev_attr``): setting it rescales that board's
    LO and sample clock, i.e. the crystal offset the far transmitter is seen with."""
    from radio.devices import FakePluto, PlutoDevice
    from radio.devices.loopback_pair import Air

    class XOFakePluto(FakePluto):
        xo = XO_NOMINAL

        def _get_iio_dev_attr(self, name, _ctrl=None):
            assert name == "xo_correction"
            return self.xo

        def _set_iio_dev_attr(self, name, value, _ctrl=None):
            assert name == "xo_correction"
            self.xo = int(value)
            ppm = ((1 + ppm0 * 1e-6) * self.xo / XO_NOMINAL - 1) * 1e6
            self._air_in.set_config(self._air_in.config.replace(clock_ppm=ppm))

    cfg = ChannelConfig.for_profile(profile, "awgn", clock_ppm=ppm0, dac_bits=0)
    ab, ba = Air(cfg, seed), Air(cfg, seed + 1)
    tx = PlutoDevice(sdr=FakePluto("ip:a", air_out=ab, air_in=ba))
    rx = PlutoDevice(sdr=XOFakePluto("ip:b", air_out=ba, air_in=ab))
    return tx, rx


def test_xo_correction_cancels_the_offset(profile):
    from calibration import configure_device

    tx, rx = xo_fake_pair(profile, ppm0=15.0)
    link = Link(tx, rx)
    link.prepare(profile)
    first = measure_cfo(link, profile)
    assert abs(first.ppm - 15.0) <= 1.0 and first.xo_measured == XO_NOMINAL
    assert first.xo_correction == pytest.approx(XO_NOMINAL / (1 + 15e-6), abs=2)
    fixed = measure_cfo(link, profile, apply_xo=True)
    assert fixed.xo_applied and fixed.xo_measured == first.xo_correction
    assert abs(fixed.ppm) < 0.05                      # carrier (and sample clock) now agree
    # a board that forgot it (power cycle) is put back by configure_device
    cal = CalibrationProfile(board="ip:b", cfo=fixed)
    rx.sdr.xo = XO_NOMINAL
    configure_device(rx, cal)
    assert rx.sdr.xo == fixed.xo_measured


def test_configure_device_refuses_another_board(profile):
    from calibration import configure_device

    tx, rx = xo_fake_pair(profile, ppm0=0.0)
    rx.sdr.ctx = type("Ctx", (), {"attrs": {"hw_serial": "104473dc5993000a"}})()
    configure_device(rx, CalibrationProfile(board="104473dc5993000a"))
    configure_device(rx, CalibrationProfile(board="ip:192.168.2.1"))        # a URI: cannot tell, accepted
    with pytest.raises(ProjectError, match="is for board 1044730000"):
        configure_device(rx, CalibrationProfile(board="1044730000"))


def test_every_routine_through_pyadi_iio_rules(profile):
    """noise floor and gain sweep through PlutoDevice + FakePluto (cfo and iq: the CLI tests)."""
    link = open_link("fake-pluto", profile, channel="awgn", seed=12)
    nf = measure_noise_floor(link, profile, rx_gains=[30.0, 40.0, 50.0, 60.0])
    assert nf.saturation_rx_gain_db in (50.0, 60.0) and nf.noise_dbfs == sorted(nf.noise_dbfs)
    sweep = sweep_gains(link, profile, tx_gains=[-20.0, -10.0], rx_gains=[40.0], target_snr_db=15.0)
    assert sweep.target_met and sweep.tx_gain_db == -10.0
    assert all(p.header_success == 1.0 for p in sweep.points)
    assert "tx_destroy_buffer" in link.tx.sdr.calls and link.rx.sdr.gain_control_mode_chan0 == "manual"

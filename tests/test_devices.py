"""Devices: the fake adi.Pluto enforces pyadi-iio's rules, PlutoDevice drives it, the loopback
pair and SigMF record/replay behave like radios, and a missing radio is a one-line error."""

import json
import sys
import time

import numpy as np
import pytest

from foundation.errors import ProjectError
from radio.channel import ChannelConfig
from radio.devices import (
    FakePluto,
    LoopbackDevice,
    PlutoDevice,
    SigMFDevice,
    fake_pluto_pair,
    loopback_pair,
    open_device,
)
from radio.profile import load_profile

QUIET = ChannelConfig(snr_db=40.0, reference_power=0.1, occupied_fraction=1.0)


def tone(n, cycles=0.01, amp=0.5):
    return (amp * np.exp(2j * np.pi * cycles * np.arange(n))).astype(np.complex64)


def find(stream, burst):
    """Sample index where `burst` starts in `stream` (peak of the cross-correlation)."""
    c = np.abs(np.correlate(stream, burst, mode="valid"))
    return int(np.argmax(c)), c.max() / (np.linalg.norm(burst) ** 2)


# ---- FakePluto: pyadi-iio's rules ------------------------------------------------------------
def test_fake_pluto_refuses_a_second_cyclic_tx_until_destroyed():
    sdr = FakePluto(channel=QUIET)
    sdr.tx_cyclic_buffer = True
    sdr.tx(tone(256) * 2 ** 14)
    with pytest.raises(Exception, match="cyclic mode"):
        sdr.tx(tone(256) * 2 ** 14)
    with pytest.raises(Exception, match="destroyed then recreated"):
        sdr.tx_cyclic_buffer = False
    sdr.tx_destroy_buffer()
    sdr.tx_cyclic_buffer = False
    sdr.tx(tone(128) * 2 ** 14)
    with pytest.raises(Exception, match="Cannot change buffer length"):
        sdr.tx(tone(64) * 2 ** 14)


def test_fake_pluto_wraps_out_of_range_values_like_astype_int16():
    sdr = FakePluto(channel=QUIET)
    sdr.tx(np.array([2 ** 15 + 100.0, -(2 ** 15) - 5.0, 1000.7 - 2000.2j, 0.0]))
    i, q = sdr.last_tx_codes
    assert list(i) == [-(2 ** 15) + 100, 2 ** 15 - 5, 1000, 0] and q[2] == -2000


def test_fake_pluto_gain_only_in_manual_mode_and_typed_attributes():
    sdr = FakePluto(channel=QUIET)
    assert sdr.gain_control_mode_chan0 == "slow_attack"
    before = sdr.rx_hardwaregain_chan0
    sdr.rx_hardwaregain_chan0 = 10.0                   # silently ignored, as pyadi-iio does
    assert sdr.rx_hardwaregain_chan0 == before
    sdr.gain_control_mode_chan0 = "manual"
    sdr.rx_hardwaregain_chan0 = 10
    assert sdr.rx_hardwaregain_chan0 == 10.0
    with pytest.raises(OSError):
        sdr.gain_control_mode_chan0 = "auto"
    with pytest.raises(Exception, match="must be an int"):
        sdr.rx_lo = 2.4e9
    with pytest.raises(ValueError):
        sdr.sample_rate = 100_000
    with pytest.raises(OSError):
        sdr.tx_hardwaregain_chan0 = 5.0
    sdr.rx_buffer_size = 2048
    assert len(sdr.rx()) == 2048
    sdr.rx_buffer_size = 512
    assert len(sdr.rx()) == 2048                       # the live buffer keeps its size ...
    sdr.rx_destroy_buffer()
    assert len(sdr.rx()) == 512                        # ... until destroyed
    y = sdr.rx()
    assert np.iscomplexobj(y) and np.all(y.real == np.round(y.real))    # integer ADC counts


# ---- PlutoDevice against the fake --------------------------------------------------------------
def test_pluto_device_round_trips_samples_through_the_fake():
    dev = PlutoDevice(sdr=FakePluto(channel=QUIET))
    dev.configure(load_profile("default"), rx_buffer_size=4096)
    assert dev.gain_control_mode_chan0 == "manual" and dev.rx_buffer_size == 4096
    x = tone(3000)
    dev.tx(x)
    y = dev.rx()
    assert y.dtype == np.complex64 and len(y) == 4096
    assert np.allclose(y * 2048, np.round(y * 2048), atol=1e-3)        # whole ADC counts
    err = np.mean(np.abs(y[:3000] - x) ** 2) / np.mean(np.abs(x) ** 2)
    assert 10 * np.log10(err) < -35                                    # 40 dB SNR less quantisation
    assert np.mean(np.abs(y[3000:]) ** 2) < 1e-3                        # then only noise


def test_pluto_device_follows_buffer_rules_and_guards_the_int16_range():
    dev = PlutoDevice(sdr=FakePluto(channel=QUIET))
    dev.tx(tone(500), cyclic=True)
    assert dev.tx_cyclic_buffer
    dev.tx(tone(700), cyclic=True)                     # the fake would raise without a destroy
    dev.tx(tone(300))                                  # streaming after cyclic
    dev.tx(tone(400))                                  # another length: buffer recreated
    calls = dev.sdr.calls
    assert calls.count("tx_destroy_buffer") == 3 and calls.count("tx") == 4
    dev.tx(np.array([3.0 + 0j, -2.5 - 2.5j, 0.1]))
    i, q = dev.sdr.last_tx_codes
    assert i.max() == 2 ** 14 and i.min() == -(2 ** 14) and q.min() == -(2 ** 14)   # clipped, no wrap
    assert dev.tx_clipped == 2
    dev.close()
    with pytest.raises(ProjectError, match="closed"):
        dev.rx()


def test_pluto_device_gains_and_settings():
    dev = PlutoDevice(sdr=FakePluto(channel=QUIET))
    dev.rx_buffer_size = 8192
    with pytest.raises(ProjectError, match="manual gain mode"):
        dev.rx_hardwaregain_chan0 = 30.0
    dev.configure(gain_control_mode_chan0="manual", rx_hardwaregain_chan0=40.0, tx_hardwaregain_chan0=-10.0)
    x = tone(8192, amp=0.2)
    dev.tx(x, cyclic=True)
    p_ref = np.mean(np.abs(dev.rx()) ** 2)
    dev.rx_hardwaregain_chan0 = 46.0
    p_rx = np.mean(np.abs(dev.rx()) ** 2)
    dev.tx_hardwaregain_chan0 = -20.0
    p_tx = np.mean(np.abs(dev.rx()) ** 2)
    assert 10 * np.log10(p_rx / p_ref) == pytest.approx(6.0, abs=0.2)
    assert 10 * np.log10(p_tx / p_rx) == pytest.approx(-10.0, abs=0.2)
    for name, bad in [("sample_rate", 100e3), ("rx_lo", 10e9), ("tx_hardwaregain_chan0", 3.0),
                      ("gain_control_mode_chan0", "auto"), ("rx_buffer_size", 10.5)]:
        with pytest.raises(ProjectError) as e:
            setattr(dev, name, bad)
        assert "\n" not in str(e.value)
    with pytest.raises(ProjectError, match="unknown device setting"):
        dev.configure(bandwidth=1e6)
    with pytest.raises(ProjectError, match="NaN"):
        dev.tx(np.array([np.nan, 1]))


def test_fake_pluto_pair_lo_offset_shifts_the_received_tone():
    a, b = fake_pluto_pair(QUIET, seed=1)
    ta, rb = PlutoDevice(sdr=a), PlutoDevice(sdr=b)
    rb.rx_buffer_size = 16384
    ta.tx_lo = 2_400_050_000                           # 50 kHz above the receiver
    ta.tx(tone(16384, cycles=0.0), cyclic=True)
    y = rb.rx().astype(np.complex128)
    f = np.angle(np.sum(y[10:] * np.conj(y[:-10]))) / (2 * np.pi * 10) * rb.sample_rate
    assert f == pytest.approx(50_000, abs=50)
    ta.tx_lo = 2_410_000_000                           # 10 MHz away: outside the band
    assert np.mean(np.abs(rb.rx()) ** 2) < 1e-3


# ---- loopback pair ---------------------------------------------------------------------------
def test_loopback_pair_delivers_a_burst_inside_noise_filled_rx_buffers():
    cfg = ChannelConfig(snr_db=15.0, reference_power=0.05, occupied_fraction=1.0, sfo_ppm=10.0,
                        cfo_hz=100.0, carrier_phase_deg=None)
    tx_dev, rx_dev = loopback_pair(cfg, seed=3)
    rx_dev.rx_buffer_size = 4096
    idle = np.concatenate([rx_dev.rx() for _ in range(3)])
    noise = rx_dev.channel.noise_var
    assert np.mean(np.abs(idle) ** 2) == pytest.approx(noise, rel=0.1)       # noise when idle
    rng = np.random.default_rng(0)
    burst = np.sqrt(0.025) * (rng.standard_normal(3000) + 1j * rng.standard_normal(3000))
    burst = burst.astype(np.complex64)
    rx_dev.rx()
    rx_dev.rx()                                     # 2 * 4096 - 1000: the burst will straddle buffers
    tx_dev.tx(burst)
    got = np.concatenate([rx_dev.rx() for _ in range(3)])
    assert all(len(b) == 4096 for b in (got[:4096], got[4096:8192]))
    at, peak = find(got, burst)
    assert at <= 17 and peak > 0.8       # at once, but for the SFO resampler's 16-sample look-ahead
    back = np.concatenate([tx_dev.rx() for _ in range(2)])                  # the reverse direction is quiet
    assert np.mean(np.abs(back) ** 2) < 3 * noise
    tx_dev.air_out.set_config(cfg.replace(snr_db=30.0))                   # a new scenario mid-stream
    assert np.mean(np.abs(rx_dev.rx()) ** 2) == pytest.approx(noise / 10 ** 1.5, rel=0.15)
    rx_dev.tx(burst)                     # 131072 samples later the SFO has slid the grid by 1.3 samples:
    at, peak = find(np.concatenate([tx_dev.rx() for _ in range(2)]), burst)   # fractional timing
    assert at <= 18 and peak > 0.7


def test_loopback_cable_reproducible_and_realtime_pacing():
    a = LoopbackDevice.cable("two-plutos-bench", seed=5)
    b = LoopbackDevice.cable("two-plutos-bench", seed=5)
    for d in (a, b):
        d.rx_buffer_size = 2048
        d.tx(tone(1000))
    assert np.array_equal(a.rx(), b.rx())
    paced = open_device("loopback", channel="awgn", realtime=True)
    paced.rx_buffer_size = 10_000
    t = time.monotonic()
    for _ in range(5):
        paced.rx()
    assert time.monotonic() - t >= 0.9 * 40_000 / 2e6     # 50 000 samples at 2 MS/s, first one free


def test_loopback_rate_mismatch_and_agc_mode():
    dev = open_device("loopback", channel="awgn")
    dev.configure(load_profile("default", sample_rate=4e6))
    with pytest.raises(ProjectError, match="for_profile"):
        dev.rx()
    dev = open_device("loopback", channel="awgn", profile=load_profile("default", sample_rate=4e6))
    assert len(dev.rx()) == 65536 and dev.channel.config.sample_rate == 4e6
    dev.gain_control_mode_chan0 = "slow_attack"
    assert dev.rx_hardwaregain_chan0 == dev.channel.config.rx_gain_ref_db   # where the AGC settles


# ---- SigMF ---------------------------------------------------------------------------------
@pytest.mark.parametrize("datatype,tol", [("cf32", 0.0), ("ci16", 2.0 ** -14)])   # 1.0 -> 32767
def test_sigmf_record_then_replay_gives_the_same_samples(tmp_path, datatype, tol):
    import sigmf
    path = tmp_path / "bursts"
    rng = np.random.default_rng(1)
    bursts = [(0.3 * (rng.standard_normal(n) + 1j * rng.standard_normal(n))).astype(np.complex64)
              for n in (1000, 2500, 700)]
    with SigMFDevice(path, mode="record", datatype=datatype) as rec:
        rec.configure(load_profile("default"))
        for b in bursts:
            rec.tx(b)
    sent = np.clip(np.concatenate(bursts).real, -1, 1) + 1j * np.clip(np.concatenate(bursts).imag, -1, 1)
    meta = sigmf.sigmffile.fromfile(str(tmp_path / "bursts.sigmf-meta"))
    meta.validate()                                  # the sigmf package accepts it
    assert meta.get_global_field("core:datatype") == f"{datatype}_le"
    assert meta.get_global_field("core:sample_rate") == 2e6
    anns = meta.get_annotations()
    assert [a["core:sample_count"] for a in anns] == [1000, 2500, 700]
    assert [a["core:sample_start"] for a in anns] == [0, 1000, 3500]
    assert meta.get_captures()[0]["core:frequency"] == 2.4e9
    np.testing.assert_allclose(meta.read_samples(), sent, atol=tol + 1e-7)   # other tools see the same
    rep = open_device("sigmf", str(path), mode="replay")
    rep.rx_buffer_size = 1024
    assert rep.sample_rate == 2_000_000 and rep.rx_lo == 2_400_000_000
    got = np.concatenate([rep.rx() for _ in range(5)])   # 4200 samples: last buffer zero-padded
    np.testing.assert_allclose(got[:4200], sent, atol=tol + 1e-7)
    assert np.all(got[4200:] == 0) and rep.remaining == 0
    with pytest.raises(ProjectError, match="end of SigMF recording"):
        rep.rx()
    with pytest.raises(ProjectError, match="cannot transmit"):
        rep.tx(bursts[0])
    looped = SigMFDevice(path, loop=True)
    looped.rx_buffer_size = 4200
    assert np.array_equal(looped.rx(), looped.rx())                          # loop=True starts again


def test_sigmf_records_what_a_device_receives(tmp_path):
    src = LoopbackDevice.cable(QUIET, seed=2)
    rec = SigMFDevice(tmp_path / "rx", mode="record", datatype="ci16", source=src)
    rec.rx_buffer_size = 2048
    src.tx(tone(1500))
    live = np.concatenate([rec.rx(), rec.rx()])
    rec.annotate(0, 1500, "burst 0")
    with pytest.raises(ProjectError, match="holds rx samples"):
        rec.tx(tone(10))
    rec.close()
    rep = SigMFDevice(tmp_path / "rx.sigmf-data", mode="replay")
    rep.rx_buffer_size = 4096
    np.testing.assert_allclose(rep.rx(), live, atol=2.0 ** -15)
    assert rep.annotations[0]["core:label"] == "burst 0"


def test_sigmf_missing_or_corrupt_recording_is_a_one_line_error(tmp_path):
    with pytest.raises(ProjectError, match="not found"):
        SigMFDevice(tmp_path / "nothing")
    with SigMFDevice(tmp_path / "r", mode="record") as rec:
        rec.tx(tone(4000))
    data = tmp_path / "r.sigmf-data"
    data.write_bytes(data.read_bytes()[:-100])           # truncated: checksum mismatch
    with pytest.raises(ProjectError, match="corrupt SigMF recording") as e:
        SigMFDevice(tmp_path / "r")
    assert "\n" not in str(e.value)
    (tmp_path / "g.sigmf-meta").write_text("{not json")
    (tmp_path / "g.sigmf-data").write_bytes(b"")
    with pytest.raises(ProjectError, match="corrupt SigMF recording"):
        SigMFDevice(tmp_path / "g")
    meta = json.loads((tmp_path / "r.sigmf-meta").read_text())
    meta["global"]["core:datatype"] = "rf32_le"
    (tmp_path / "h.sigmf-meta").write_text(json.dumps(meta))
    (tmp_path / "h.sigmf-data").write_bytes(b"\0" * 64)
    with pytest.raises(ProjectError, match="corrupt SigMF recording"):
        SigMFDevice(tmp_path / "h")


# ---- a missing radio, a bad URI, no libiio ------------------------------------------------------
def test_missing_radio_fails_fast_with_one_line():
    t = time.monotonic()
    with pytest.raises(ProjectError) as e:
        PlutoDevice("ip:192.0.2.1", timeout_s=1.0)   # TEST-NET-1: nothing answers there
    assert time.monotonic() - t < 5.0
    assert "192.0.2.1" in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(ProjectError, match="bad PlutoSDR URI"):
        open_device("pluto", "tcp:192.168.2.1")
    with pytest.raises(ProjectError, match="unknown device kind"):
        open_device("hackrf")


def test_missing_libiio_is_a_one_line_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "adi", None)        # import adi -> ImportError
    with pytest.raises(ProjectError, match="pyadi-iio/libiio is not usable"):
        PlutoDevice("ip:192.168.2.1")

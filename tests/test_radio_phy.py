"""The OFDM physical layer: profile, burst format, header, analog payload, equalisation.

Links run through ``radio.channel.LoopbackChannel`` (AWGN, Pluto DAC/ADC) via
``dvst.bench.radio.run_link``.
"""

import dataclasses

import numpy as np
import pytest

from dvst.bench.radio import output_snr_db, random_payload, run_link
from foundation.errors import ProjectError
from radio.analog import equalize, interleaver, real_to_symbols, symbols_to_real
from radio.header import BurstHeader, HeaderCodec
from radio.ofdm import OFDM
from radio.preamble import Preamble
from radio.profile import load_profile
from radio.receiver import Receiver
from radio.transmitter import Transmitter


@pytest.fixture(scope="module")
def profile():
    return load_profile()


# ---- profile ----------------------------------------------------------------------------
def test_default_profile_numerology(profile):
    assert 1e6 <= profile.sample_rate <= 4e6
    assert profile.occupied_fraction == profile.n_used / profile.fft_size
    assert profile.n_pilots + profile.n_data == profile.n_used
    assert 0 not in profile.used_freqs and len(set(profile.used_bins)) == profile.n_used
    # ±120 kHz at 2.4 GHz lies inside the searched range
    assert profile.max_cfo_hz >= 120e3


@pytest.mark.parametrize("overrides, match", [
    ({"cp_len": 128}, "cp_len"),
    ({"sample_rate": 100e3}, "sample_rate"),
    ({"sample_rate": 80e6}, "sample_rate"),
    ({"fft_size": 100}, "fft_size"),
    ({"n_used": 130}, "n_used"),
    ({"equalizer": "magic"}, "equalizer"),
    ({"header_code_rate": 0.9}, "header_code_rate"),
    ({"n_training": 1}, "n_training"),
    ({"fft_sise": 64}, "unknown key 'fft_sise'"),
    ({"fft_size": "big"}, "expected an integer"),
])
def test_bad_profile_values_are_one_line_errors(overrides, match):
    with pytest.raises(ProjectError, match=match) as e:
        load_profile("default", **overrides)
    assert "\n" not in str(e.value)


def test_unknown_profile_name():
    with pytest.raises(ProjectError, match="unknown radio config"):
        load_profile("no-such-profile")


# ---- building blocks --------------------------------------------------------------------
def test_ofdm_round_trip_and_power(profile):
    ofdm = OFDM(profile)
    rng = np.random.default_rng(1)
    data = random_payload(rng, 10 * profile.n_data).reshape(10, -1)
    grid = ofdm.grid_with_pilots(data, first=3)
    t = ofdm.modulate(grid)
    assert t.shape == (10 * profile.symbol_len,)
    # unitary FFT: time-domain power = occupied fraction for unit-power subcarriers
    assert abs(np.mean(np.abs(t) ** 2) / profile.occupied_fraction - 1) < 0.1
    w = t.reshape(10, -1)[:, profile.cp_len:]
    np.testing.assert_allclose(ofdm.demodulate(w), grid, atol=1e-5)
    np.testing.assert_array_equal(grid[:, ofdm.pilot_idx], ofdm.pilot_values(10, first=3))


def test_preamble_structure(profile):
    pre = Preamble(profile)
    w = pre.waveform
    d = pre.period
    assert w.shape == (pre.length,)
    np.testing.assert_allclose(w[:d], w[d:2 * d], atol=1e-6)          # detection part repeats
    t0 = pre.training_start + profile.cp_len
    n = profile.fft_size
    np.testing.assert_allclose(w[t0:t0 + n], w[t0 + n:t0 + 2 * n], atol=1e-6)
    assert abs(np.mean(np.abs(w) ** 2) / profile.occupied_fraction - 1) < 0.15


def test_real_pairs_unit_power_and_back():
    rng = np.random.default_rng(2)
    x = rng.normal(0, 3.0, size=1001)
    s, scale = real_to_symbols(x)
    assert s.shape == (501,) and abs(np.mean(np.abs(s) ** 2) - 1) < 1e-5
    np.testing.assert_allclose(symbols_to_real(s, scale, length=1001), x, rtol=1e-4, atol=1e-4)
    with pytest.raises(ProjectError):
        real_to_symbols(np.array([1.0, np.nan]))


def test_interleaver_is_a_permutation_that_spreads(profile):
    n = 40 * profile.n_data
    perm = interleaver(n, profile.n_data)
    assert np.array_equal(np.sort(perm), np.arange(n))
    sub = perm % profile.n_data
    sym = perm // profile.n_data
    # neighbouring latent elements never share a subcarrier or an OFDM symbol
    assert np.all(sub[1:] != sub[:-1]) and np.all(sym[1:] != sym[:-1])


def test_equalizer_zf_and_lmmse_noise_maps():
    h = np.array([1.0, 0.5j, 0.1], np.complex64)
    y = h * np.array([1, -1, 1j], np.complex64)
    x, v = equalize(y, h, 0.01, method="zf")
    np.testing.assert_allclose(x, [1, -1, 1j], atol=1e-5)
    np.testing.assert_allclose(v, 0.01 / np.abs(h) ** 2, rtol=1e-5)
    x2, v2 = equalize(y, h, 0.01, method="lmmse")
    assert np.all(v2 < v) and np.all(v2 <= 1.0)
    assert abs(x2[2]) < abs(x[2])      # the weak subcarrier is shrunk towards 0


def test_header_codec_round_trip_noiseless(profile):
    codec = HeaderCodec(profile)
    h = BurstHeader(stream_id=513, frame_index=70000, frame_kind="P", fragment=2, n_fragments=5,
                    payload_len=12345, power_scale=0.75, side_info=bytes(range(256)) * 3)
    pts = codec.encode(h)
    assert pts.shape == (codec.n_symbols(len(h.side_info)), profile.n_data)
    nb = codec.n_base_symbols
    var = np.full(pts.shape, 1e-3, np.float32)
    got, side_len, reason = codec.decode_base(pts[:nb], var[:nb])
    assert reason == "" and side_len == len(h.side_info)
    got.side_info = codec.decode_side(pts[nb:], var[nb:], side_len)
    assert got == dataclasses.replace(h, power_scale=np.float32(0.75).item())
    flipped = pts[nb:].copy()
    flipped[:, :] *= -1                                           # destroy the side info
    assert codec.decode_side(flipped, var[nb:], side_len) is None


@pytest.mark.parametrize("bad", [
    dict(frame_kind="IP"), dict(fragment=3, n_fragments=2), dict(stream_id=-1),
    dict(power_scale=float("nan")),
])
def test_bad_header_fields(profile, bad):
    with pytest.raises(ProjectError):
        Transmitter(profile).modulate(BurstHeader(**bad), np.zeros(10, np.complex64))


def test_transmitter_rejects_bad_payloads(profile):
    tx = Transmitter(profile)
    with pytest.raises(ProjectError, match="NaN"):
        tx.modulate(BurstHeader(), np.array([np.nan], np.complex64))
    with pytest.raises(ProjectError, match="payload_len"):
        tx.modulate(BurstHeader(payload_len=3), np.zeros(4, np.complex64))
    with pytest.raises(ProjectError, match="side_info"):
        tx.modulate(BurstHeader(side_info=bytes(profile.max_side_info_bytes + 1)), np.zeros(4, np.complex64))


def test_burst_level_and_length(profile):
    tx = Transmitter(profile)
    x = random_payload(np.random.default_rng(3), 5000)
    s = tx.modulate(BurstHeader(side_info=b"abc"), x)
    assert s.dtype == np.complex64 and s.size == tx.burst_length(5000, 3)
    body = s[: s.size - profile.guard_samples]
    rms_dbfs = 10 * np.log10(np.mean(np.abs(body) ** 2))
    assert abs(rms_dbfs - profile.tx_rms_dbfs) < 0.5
    assert np.max(np.abs(s.real)) < 1.0 and np.max(np.abs(s.imag)) < 1.0


# ---- the link ---------------------------------------------------------------------------
@pytest.mark.parametrize("snr_db", [0.0, 5.0, 10.0, 15.0, 20.0, 25.0])
def test_analog_output_snr_tracks_channel_snr(profile, snr_db):
    run = run_link(profile, n_bursts=3, payload_len=4000, seed=int(snr_db) + 10, snr_db=snr_db)
    snrs = output_snr_db(run)
    assert len(snrs) == 3
    assert abs(np.mean(snrs) - snr_db) < 1.0, snrs
    for b in run.bursts:
        # the reported noise variance is the error the symbols really have (within 1 dB)
        x = run.payloads[b.header.frame_index]
        mse = np.mean(np.abs(b.symbols - x) ** 2)
        assert abs(10 * np.log10(np.mean(b.noise_var) / mse)) < 1.0
        assert b.channel_mag.shape == (profile.n_used,)


def test_lmmse_option(profile):
    rx = Receiver(profile, equalizer="lmmse")
    run = run_link(profile, n_bursts=2, payload_len=3000, seed=5, snr_db=5.0, receiver=rx)
    assert len(run.bursts) == 2
    b = run.bursts[0]
    x = run.payloads[b.header.frame_index]
    mse = np.mean(np.abs(b.symbols - x) ** 2)
    # LMMSE: the MSE is about σ²/(1+σ²) at unit channel, the reported map says the same
    assert mse < 10 ** (-5 / 10)
    assert abs(10 * np.log10(np.mean(b.noise_var) / mse)) < 1.0


def test_header_fields_and_side_info_arrive(profile):
    side = bytes(np.random.default_rng(4).integers(0, 256, 3000, dtype=np.uint8))
    run = run_link(profile, n_bursts=2, payload_len=500, side_info=side, seed=6, snr_db=3.0)
    assert [b.header.frame_index for b in run.bursts] == [0, 1]
    for b in run.bursts:
        assert b.header.side_info == side and b.header.payload_len == 500
        assert b.n_header_symbols == HeaderCodec(profile).n_symbols(len(side))


def test_header_decodes_at_0db(profile):
    ok = total = 0
    for seed in range(2):
        run = run_link(profile, n_bursts=60, payload_len=84, seed=100 + seed, snr_db=0.0, gap=(200, 800))
        ok += sum(b.header is not None for b in run.bursts)
        total += 60
    assert ok / total >= 0.99


def test_payload_len_zero_and_odd_lengths(profile):
    for k in (0, 1, profile.n_data + 1):
        run = run_link(profile, n_bursts=1, payload_len=k, seed=7 + k, snr_db=20.0)
        assert len(run.bursts) == 1 and run.bursts[0].symbols.shape == (k,)


def test_bench_radio_is_a_dvst_command():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "dvst.cli", "bench", "radio", "--help"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "--quick" in out.stdout and "--json" in out.stdout


def test_gui_fields_and_failed_header_report(profile):
    tx = Transmitter(profile)
    codec = HeaderCodec(profile)
    x = random_payload(np.random.default_rng(8), 1000)
    s = tx.modulate(BurstHeader(side_info=b"xyz"), x)
    pre = Preamble(profile)
    n_head = codec.n_symbols(3)
    n_pay = -(-1000 // profile.n_data)
    rng = np.random.default_rng(9)

    def noise(n):
        return (0.003 * (rng.normal(size=n) + 1j * rng.normal(size=n))).astype(np.complex64)

    good = np.concatenate([noise(700), s, noise(500)])
    (b,) = Receiver(profile).process(good)
    assert b.timing == 700 and b.n_header_symbols == n_head
    assert b.pilots.shape == ((n_head + n_pay) * profile.n_pilots,)
    assert b.header_points.shape == (n_head * profile.n_data,)
    assert b.phase.shape == (n_head + n_pay,) and np.all(np.isfinite(b.phase))
    assert b.channel_mag.shape == (profile.n_used,) and np.all(b.channel_mag > 0)
    assert b.n_samples == pre.length + (n_head + n_pay) * profile.symbol_len
    # the same burst with its base header wiped: reported, with the reason, and no payload
    bad = good.copy()
    h0 = 700 + pre.length
    bad[h0:h0 + codec.n_base_symbols * profile.symbol_len] = noise(codec.n_base_symbols * profile.symbol_len)
    (f,) = Receiver(profile).process(bad)
    assert f.header is None and "header" in f.reason and f.symbols.size == 0 and f.timing == 700

"""The loopback channel simulator: every impairment measurably does what it says."""

import numpy as np
import pytest

from foundation.errors import ProjectError
from radio.channel import ChannelConfig, LoopbackChannel, load_channel_config, noise_variance
from radio.channel.adc import PlutoADC
from radio.channel.dac import PlutoDAC, clip_full_scale, dac_output, int16_wrap, to_tx_codes
from radio.channel.iq_imbalance import IQImbalance
from radio.channel.selfcheck import FFT, USED, ofdm_like
from radio.channel.sfo import TAPS, SampleClockOffset

# a channel with nothing but the stage under test
BARE = dict(snr_db=None, dac_bits=0, adc_bits=0)


@pytest.mark.parametrize("snr_db", [0.0, 10.0, 25.0])
def test_awgn_in_band_snr_within_0p2_db(snr_db):
    p = 10 ** (-15 / 10)
    x, X = ofdm_like(3000, p)
    ch = LoopbackChannel(ChannelConfig(snr_db=snr_db, reference_power=p, occupied_fraction=0.75), seed=3)
    y = ch.apply(x.astype(np.complex64))                 # Pluto DAC and ADC models included
    Y = np.fft.fft(y.reshape(-1, FFT), axis=1)
    sig = np.mean(np.abs(X[:, USED]) ** 2)
    noise = np.mean(np.abs(Y[:, USED] - X[:, USED]) ** 2)
    assert abs(10 * np.log10(sig / noise) - snr_db) < 0.2
    assert ch.noise_var == pytest.approx(noise_variance(snr_db, p, 0.75))


def test_cfo_rotates_at_the_set_frequency_and_follows_clock_ppm():
    ch = LoopbackChannel(ChannelConfig(cfo_hz=12_345.0, **BARE), seed=0)
    y = np.concatenate([ch.apply(np.full(n, 0.5, np.complex64)) for n in (1000, 3333, 5000)])
    y = y.astype(np.complex128)
    f = np.angle(np.sum(y[1:] * np.conj(y[:-1]))) / (2 * np.pi) * 2e6
    assert f == pytest.approx(12_345.0, abs=0.5)
    assert np.abs(y) == pytest.approx(0.5, abs=1e-6)                    # continuous phase, no jumps
    cfg = ChannelConfig(clock_ppm=-20.0, center_freq=2.4e9)
    assert cfg.effective_cfo_hz == pytest.approx(-48_000.0) and cfg.effective_sfo_ppm == -20.0


@pytest.mark.parametrize("ppm", [50.0, -50.0])
def test_sfo_changes_sample_count_by_ppm_and_resamples_accurately(ppm):
    n = 400_000
    nu = 0.11                                            # cycles per transmitted sample
    tone = np.exp(2j * np.pi * nu * np.arange(n))
    sfo = SampleClockOffset(ppm)
    y = np.concatenate([sfo.apply(c) for c in np.array_split(tone, 7)])
    expect = n / (1 + ppm * 1e-6)
    assert abs(len(y) - expect) <= TAPS
    held_back = TAPS // 2                                # the interpolator's look-ahead
    assert abs((len(y) + held_back - n) / n * 1e6 + ppm) < 0.1   # count changed by the set ppm
    m = np.arange(len(y))
    ideal = np.exp(2j * np.pi * nu * m * (1 + ppm * 1e-6))   # received sample m at tx time m(1+e)
    err = np.mean(np.abs(y[100:] - ideal[100:]) ** 2)
    assert 10 * np.log10(err) < -60


def test_iq_imbalance_image_rejection_matches_formula():
    g_db, phi_deg = 0.8, 4.0
    iq = IQImbalance(g_db, phi_deg)
    g, phi = 10 ** (g_db / 20), np.deg2rad(phi_deg)
    formula = 10 * np.log10((1 + g * g + 2 * g * np.cos(phi)) / (1 + g * g - 2 * g * np.cos(phi)))
    assert iq.image_rejection_db == pytest.approx(formula)
    ch = LoopbackChannel(ChannelConfig(iq_gain_db=g_db, iq_phase_deg=phi_deg, **BARE), seed=0)
    n, k = 4096, 300
    y = ch.apply((0.3 * np.exp(2j * np.pi * k * np.arange(n) / n)).astype(np.complex64))
    Y = np.abs(np.fft.fft(y)) ** 2
    assert 10 * np.log10(Y[k] / Y[n - k]) == pytest.approx(formula, abs=0.05)
    assert formula < 30   # the impairment is large enough to matter


def test_dac_guard_clips_and_unguarded_values_wrap_like_int16():
    x = np.array([0.5, 1.5, -1.7 + 0.2j, 2.1, 0.0], np.complex128)
    guarded = PlutoDAC(guard=True)
    y = guarded.apply(x)
    assert guarded.clipped == 3 and guarded.wrapped == 0
    assert np.all(np.abs(y.real) <= 1.0) and y[1].real == pytest.approx(1.0, abs=2 ** -10)
    raw = PlutoDAC(guard=False)
    w = raw.apply(x)
    assert raw.wrapped == 1                       # 2.1 full scale = 34406 > int16: wraps
    assert w[3].real == pytest.approx(2.1 - 4.0, abs=2 ** -10)   # a loud glitch of the wrong sign
    assert w[1].real == pytest.approx(1.5, abs=2 ** -10)         # inside int16: the DAC emits it
    # 12-bit DAC: outputs are multiples of 16 int16 codes = 2^-10 full scale
    q = guarded.apply(np.linspace(-0.9, 0.9, 1001).astype(np.complex128))
    assert np.allclose(q.real * 2 ** 10, np.round(q.real * 2 ** 10))
    assert int16_wrap(np.array([32768.0, -32769.0, 40000.7]))[0] == -32768
    assert int16_wrap(np.array([40000.7]))[0] == 40000 - 65536
    v = np.random.default_rng(0).uniform(-1e6, 1e6, 10_000)
    assert np.array_equal(int16_wrap(v), v.astype(np.int16))   # what pyadi-iio's cast does here
    big = np.random.default_rng(1).normal(0, 1.2, 5000) + 1j * np.random.default_rng(2).normal(0, 1.2, 5000)
    for guard in (True, False):                  # the numba DAC equals the numpy steps it documents
        v = (clip_full_scale(big)[0] if guard else big) * 2 ** 14
        assert np.array_equal(PlutoDAC(guard=guard).apply(big),
                              dac_output(int16_wrap(v.real), int16_wrap(v.imag)))
    codes = to_tx_codes(np.array([3.0 + 3.0j]))
    assert codes[0] == 2 ** 14 * (1 + 1j)                      # clipped to full scale, inside int16


def test_adc_quantises_to_12_bits_and_saturates():
    adc = PlutoADC(bits=12, gain_db=20.0)            # x10 in amplitude
    x = np.array([0.001 + 0.0j, 0.05 - 0.02j, 0.2 + 0.0j, -0.3 - 0.3j])
    y = adc.apply(x)
    assert np.allclose(y * 2048, np.round(y * 2048))               # integer counts
    assert y[0].real == pytest.approx(round(0.01 * 2048) / 2048)
    assert y[2].real == pytest.approx(2047 / 2048)                 # rail
    assert y[3] == pytest.approx(-1.0 - 1.0j)
    assert adc.saturated == 2


def test_static_multipath_has_unit_in_band_gain_and_its_impulse_response():
    cfg = ChannelConfig(multipath="eva", **BARE)                    # occupied fraction 0.75
    ch = LoopbackChannel(cfg, seed=5)
    h = ch.multipath.taps()
    assert len(h) == 6                                              # 2.51 us at 2 MS/s -> 5 samples late
    H = np.fft.fft(h, 4096)
    assert np.mean(np.abs(H[np.abs(np.fft.fftfreq(4096)) <= 0.375]) ** 2) == pytest.approx(1.0)
    imp = np.zeros(64, np.complex64)
    imp[0] = 0.5
    y = ch.apply(imp)
    assert np.allclose(y[:6], 0.5 * h, atol=1e-6) and np.allclose(y[6:], 0, atol=1e-6)
    # a band-limited half-sample delay: the tone comes out 4 + 0.5 samples late, gain ~1
    one = ChannelConfig(multipath="custom", tdl_delays_ns=[250.0], tdl_powers_db=[0.0],
                        tap_interpolation="sinc", occupied_fraction=0.4, **BARE)
    t = np.exp(2j * np.pi * 0.1 * np.arange(4000))
    y = LoopbackChannel(one, seed=5).apply(t.astype(np.complex64))
    r = y[50:] / np.exp(2j * np.pi * 0.1 * (np.arange(4000)[50:] - 4.5))
    assert np.abs(r - r.mean()).max() < 1e-4 and abs(r.mean()) == pytest.approx(1.0, abs=0.01)


def test_block_rayleigh_is_constant_within_blocks_and_unit_power_on_average():
    cfg = ChannelConfig(fading="block_rayleigh", fading_block_s=1e-4, **BARE)   # 200-sample blocks
    ch = LoopbackChannel(cfg, seed=2)
    y = ch.apply(np.ones(200 * 2000, np.complex64))
    blocks = y.reshape(2000, 200)
    assert np.allclose(blocks, blocks[:, :1], atol=1e-5)            # flat within each block
    gains = blocks[:, 0]
    assert np.mean(np.abs(gains) ** 2) == pytest.approx(1.0, abs=0.1)
    assert np.mean(np.abs(gains) ** 2 < 0.1) == pytest.approx(1 - np.exp(-0.1), abs=0.03)  # Rayleigh CDF


def test_phase_noise_is_a_wiener_process_with_the_set_linewidth():
    ch = LoopbackChannel(ChannelConfig(phase_noise_linewidth_hz=100.0, **BARE), seed=4)
    y = ch.apply(np.ones(200_000, np.complex64))
    lag = 1000
    d = np.angle(y[lag:] * np.conj(y[:-lag]))
    assert np.var(d) == pytest.approx(2 * np.pi * 100.0 * lag / 2e6, rel=0.15)


def test_dc_offset_start_offset_and_overflow():
    cfg = ChannelConfig(dc_offset=[0.01, -0.02], start_offset_max=500, overflow_rate_hz=200.0,
                        overflow_len=1000, **BARE)
    ch = LoopbackChannel(cfg, seed=9)
    n = 400_000
    y = ch.apply(np.zeros(n, np.complex64))
    assert np.allclose(y, 0.01 - 0.02j, atol=1e-6)
    off = ch.start.offset
    assert 0 <= off <= 500
    assert len(y) == n + off - ch.overflow.dropped
    events = len(ch.overflow.events)
    assert ch.overflow.dropped == pytest.approx(events * 1000, abs=1000)
    assert 20 <= events <= 60                                       # 200/s over 0.2 s: 40 expected


def test_same_seed_same_output_and_any_buffer_split_gives_the_same_samples():
    cfg = load_channel_config("two-plutos-bench", overflow_rate_hz=500.0, overflow_len=300,
                              fading="block_rayleigh", fading_block_s=2e-4)
    rng = np.random.default_rng(0)
    x, _ = ofdm_like(800, 10 ** -1.5, seed=0)
    x = x.astype(np.complex64)
    a = LoopbackChannel(cfg, seed=11).apply(x)
    b = LoopbackChannel(cfg, seed=11).apply(x)
    assert np.array_equal(a, b)
    ch = LoopbackChannel(cfg, seed=11)
    cuts = np.cumsum(rng.integers(1, 9000, 40))
    parts = [ch.apply(p) for p in np.split(x, cuts[cuts < len(x)])]
    c = np.concatenate(parts)
    m = min(len(a), len(c))
    assert abs(len(a) - len(c)) <= TAPS                # only the resampler's held-back tail differs
    np.testing.assert_allclose(c[:m], a[:m], rtol=0, atol=1e-6)
    d = LoopbackChannel(cfg, seed=12).apply(x)
    assert not np.array_equal(a[:1000], d[:1000])


def test_tx_and_rx_gain_knobs_and_lo_offset():
    p = 10 ** -1.5
    cfg = ChannelConfig(snr_db=20.0, reference_power=p, occupied_fraction=1.0, dac_bits=0, adc_bits=0)
    ch = LoopbackChannel(cfg, seed=0)
    ch.tx_gain_db = -10.0                               # 10 dB less signal, same noise
    ch.lo_offset_hz = 1000.0
    x = np.sqrt(p) * np.ones(100_000, np.complex64)
    y = ch.apply(x)
    assert np.mean(np.abs(y) ** 2) == pytest.approx(p / 10 + ch.noise_var, rel=0.03)
    y = y.astype(np.complex128)
    lag = 500                                           # long lag: the estimate beats the noise
    f = np.angle(np.sum(y[lag:] * np.conj(y[:-lag]))) / (2 * np.pi * lag) * 2e6
    assert f == pytest.approx(1000.0, abs=5.0)
    ch.rx_gain_db = 6.0                                 # signal and noise both up by 6 dB
    y2 = ch.apply(x)
    assert np.mean(np.abs(y2) ** 2) == pytest.approx(4 * (p / 10 + ch.noise_var), rel=0.05)


def test_for_profile_and_bad_configs():
    from radio.profile import load_profile
    prof = load_profile("default")
    cfg = ChannelConfig.for_profile(prof, "rayleigh", snr_db=7.0)
    assert cfg.occupied_fraction == prof.occupied_fraction and cfg.sample_rate == prof.sample_rate
    assert cfg.reference_power == pytest.approx(10 ** (prof.tx_rms_dbfs / 10))
    assert cfg.snr_db == 7.0 and cfg.fading == "block_rayleigh"
    with pytest.raises(ProjectError, match="unknown key 'snr'"):
        load_channel_config("awgn", snr=3)
    with pytest.raises(ProjectError, match="unknown multipath profile"):
        ChannelConfig(multipath="mars")
    with pytest.raises(ProjectError, match="unknown channels config"):
        load_channel_config("nope")
    with pytest.raises(ProjectError, match="occupied_fraction"):
        ChannelConfig(occupied_fraction=0.0)
    with pytest.raises(ProjectError, match="1-D"):
        LoopbackChannel(ChannelConfig()).apply(np.zeros((2, 2), np.complex64))

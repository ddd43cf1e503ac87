"""Synchronisation: detection, streaming, carrier and clock offsets, SNR estimate, garbage."""

import numpy as np
import pytest

from dvst.bench.radio import output_snr_db, run_link
from radio.channel.loopback_channel import LoopbackChannel
from radio.channel.scenario import ChannelConfig
from radio.preamble import Preamble
from radio.profile import load_profile
from radio.receiver import Receiver
from sync.metric import first_crossing, schmidl_cox_metric


@pytest.fixture(scope="module")
def profile():
    return load_profile()


def _all_decoded(run, n):
    got = sorted(b.header.frame_index for b in run.bursts if b.header is not None)
    return got == list(range(n))


def test_schmidl_cox_metric_plateau_and_noise(profile):
    pre = Preamble(profile)
    d, w = pre.period, pre.metric_window
    rng = np.random.default_rng(0)
    noise = ((rng.normal(size=20000) + 1j * rng.normal(size=20000)) * 0.01).astype(np.complex64)
    x = noise.copy()
    x[5000:5000 + pre.length] += pre.waveform
    m, p = schmidl_cox_metric(x, d, w)
    assert m.max() > 0.9 and 4990 <= int(np.argmax(m)) <= 5000 + d + 10
    mn, _ = schmidl_cox_metric(noise, d, w)
    assert mn.max() < 0.1 and abs(mn.mean() - 1 / w) < 2 / w
    assert first_crossing(noise, d, w, 0.5) == (-1, True)
    c, _ = first_crossing(x, d, w, 0.5)
    assert 5000 - w - d <= c <= 5000
    # disarmed, the scan needs the metric to fall first: a crossing inside the plateau is skipped
    assert first_crossing(x, d, w, 0.5, start=5000, armed=False)[0] == -1
    # the carrier offset shows in the angle of P at the plateau
    cfo = 5e3
    xr = (x * np.exp(2j * np.pi * cfo / profile.sample_rate * np.arange(x.size))).astype(np.complex64)
    m2, p2 = schmidl_cox_metric(xr, d, w)
    est = np.angle(p2[int(np.argmax(m2))]) * profile.sample_rate / (2 * np.pi * d)
    assert abs(est - cfo) < 100


@pytest.mark.parametrize("ppm", [50.0, -50.0])
def test_cfo_and_sfo_of_two_plutos_at_50ppm(profile, ppm):
    # one crystal per board: 50 ppm → 120 kHz CFO at 2.4 GHz and 50 ppm SFO
    run = run_link(profile, n_bursts=3, payload_len=20000, seed=11, snr_db=20.0, clock_ppm=ppm)
    assert _all_decoded(run, 3)
    for b in run.bursts:
        assert abs(b.cfo_hz - ppm * 2.4e3) < 300
        assert abs(b.sfo_ppm - ppm) < 5
    assert min(output_snr_db(run)) > 19.0


@pytest.mark.parametrize("name, ppm", [("pluto-1msps", -50.0), ("pluto-4msps", 50.0)])
def test_other_sample_rates_at_50ppm(name, ppm):
    prof = load_profile(name)
    run = run_link(prof, n_bursts=2, payload_len=5000, seed=21, snr_db=12.0, clock_ppm=ppm)
    assert _all_decoded(run, 2)
    assert all(abs(b.cfo_hz - ppm * 2.4e3) < 300 and abs(b.sfo_ppm - ppm) < 8 for b in run.bursts)
    assert np.mean(output_snr_db(run)) > 11.0


@pytest.mark.parametrize("cfo", [-120e3, -61e3, 7.7e3, 120e3])
def test_integer_subcarrier_offsets(profile, cfo):
    run = run_link(profile, n_bursts=2, payload_len=1000, seed=12, snr_db=10.0, cfo_hz=cfo, sfo_ppm=0.0)
    assert _all_decoded(run, 2)
    assert all(abs(b.cfo_hz - cfo) < 200 for b in run.bursts)


def test_multipath_within_cp(profile):
    # taps up to 5 µs = 10 samples, inside the 16-sample CP
    run = run_link(profile, n_bursts=3, payload_len=4000, seed=13, snr_db=15.0, multipath="custom",
                   tdl_delays_ns=[0.0, 1500.0, 5000.0], tdl_powers_db=[0.0, -3.0, -6.0])
    assert _all_decoded(run, 3)
    for b in run.bursts:
        mag = b.channel_mag
        assert mag.max() / mag.min() > 2      # a frequency-selective channel was measured
        e = np.abs(b.symbols - run.payloads[b.header.frame_index]) ** 2
        # after ZF the faded subcarriers are noisier; the noise map says by how much
        assert 0.8 < np.mean(e / b.noise_var) < 1.25
        assert abs(b.snr_db - 15.0) < 1.5


def test_buffer_boundaries_anywhere(profile):
    # odd, tiny and large buffers: every preamble and burst straddles some boundary
    sizes = [1, 7, 333, 64, 5000, 97, 12345, 2]
    run = run_link(profile, n_bursts=5, payload_len=1500, seed=14, snr_db=12.0, chunk=sizes)
    assert _all_decoded(run, 5)
    ref = run_link(profile, n_bursts=5, payload_len=1500, seed=14, snr_db=12.0, chunk=1 << 20)
    a = {b.header.frame_index: b for b in run.bursts}
    for b in ref.bursts:
        np.testing.assert_allclose(a[b.header.frame_index].symbols, b.symbols, atol=1e-4)
        assert a[b.header.frame_index].timing == b.timing


def test_reception_starting_mid_burst(profile):
    full = run_link(profile, n_bursts=3, payload_len=3000, seed=15, snr_db=15.0, gap=(1000, 1001))
    first = full.bursts[0].timing
    run = run_link(profile, n_bursts=3, payload_len=3000, seed=15, snr_db=15.0, gap=(1000, 1001),
                   skip=first + 500)
    got = [b.header.frame_index for b in run.bursts if b.header is not None]
    assert got == [1, 2]          # the cut burst is skipped, the following ones are not lost


@pytest.mark.parametrize("seed, snr_db", [(16, 15.0), (17, 1.0), (18, 6.0)])
def test_dropped_samples_lose_at_most_the_hit_bursts(profile, seed, snr_db):
    drop = 3000
    run = run_link(profile, n_bursts=12, payload_len=2000, seed=seed, snr_db=snr_db,
                   overflow_rate_hz=150.0, overflow_len=drop)
    events = run.channel.overflow.events
    assert events                                   # the scenario really dropped samples
    hit = {i for i, (a, b) in enumerate(run.spans) if any(e < b and e + drop > a for e in events)}
    assert len(hit) < 12
    decoded = {b.header.frame_index: b for b in run.bursts if b.header is not None}
    for i in set(range(12)) - hit:                  # every burst received whole is decoded, and well
        assert i in decoded
        e = decoded[i].symbols - run.payloads[i]
        assert -10 * np.log10(np.mean(np.abs(e) ** 2)) > snr_db - 1.0


def test_noise_alone_gives_no_bursts(profile):
    rx = Receiver(profile)
    rng = np.random.default_rng(17)
    found = []
    for _ in range(20):
        n = (rng.normal(size=100_000) + 1j * rng.normal(size=100_000)).astype(np.complex64) * 0.05
        found += rx.process(n)
    assert found == []
    # nor does a DC offset, a constant tone or silence
    t = np.arange(400_000)
    for x in (np.full(t.size, 0.3 + 0.1j), 0.2 * np.exp(2j * np.pi * 0.01 * t), np.zeros(t.size)):
        rx = Receiver(profile)
        assert rx.process(x.astype(np.complex64)) == []
        # a continuous tone (the far board's LO leakage) costs one rejected candidate, not thousands
        assert rx.detector.rejected <= 2


def test_snr_estimate_matches_truth(profile):
    for snr in (0.0, 10.0, 20.0):
        run = run_link(profile, n_bursts=3, payload_len=3000, seed=18 + int(snr), snr_db=snr)
        est = [b.snr_db for b in run.bursts]
        assert len(est) == 3 and abs(np.mean(est) - snr) < 0.7, est


@pytest.mark.parametrize("garbage", [
    np.full(5000, np.nan + 1j * np.nan, np.complex64),
    np.full(5000, np.inf, np.complex128),
    np.zeros(5000, np.complex64),
    np.full(5000, 1e30 - 1e30j, np.complex128),
    np.arange(5000, dtype=np.int16),
    np.ones((5000, 2), np.float32),
    np.zeros(0, np.complex64),
    np.array(["not", "samples"]),
    None,
    b"\x00\x01",
    np.ones((3, 4, 5)),
])
def test_garbage_never_raises(profile, garbage):
    rx = Receiver(profile)
    assert rx.process(garbage) == []
    # and the receiver works again once the DC blocker has settled (20 ms)
    assert rx.process(np.zeros(40_000, np.complex64)) == []
    run = run_link(profile, n_bursts=1, payload_len=500, seed=19, snr_db=15.0, receiver=rx)
    assert _all_decoded(run, 1)


def test_truncated_burst_then_garbage_never_raises(profile):
    run = run_link(profile, n_bursts=1, payload_len=3000, seed=20, snr_db=15.0)
    rx = Receiver(profile)
    from radio.header import BurstHeader
    from radio.transmitter import Transmitter
    s = Transmitter(profile).modulate(BurstHeader(), np.ones(3000, np.complex64))
    out = rx.process(np.concatenate([np.zeros(500, np.complex64), s[: s.size // 2]]))
    out += rx.process(np.full(3000, np.nan, np.complex64))
    out += rx.process(np.zeros(20000, np.complex64))
    assert all(b.header is None or b.symbols.shape == (3000,) for b in out)
    assert run.bursts


@pytest.mark.parametrize("gain", [0.5 * np.exp(1j), 2.0, np.exp(2.5j)])
def test_channel_step_inside_a_burst(profile, gain):
    # a fade or gain step after the training symbols: the pilots carry the new channel, and the
    # noise map stays truthful on both sides of the step
    from dvst.bench.radio import random_payload
    from radio.analog import interleaver
    from radio.header import BurstHeader
    from radio.transmitter import Transmitter

    rng = np.random.default_rng(22)
    x = random_payload(rng, 100 * profile.n_data)
    s = Transmitter(profile).modulate(BurstHeader(), x)
    y = np.concatenate([np.zeros(1000, np.complex64), s, np.zeros(2000, np.complex64)])
    step = 1000 + Preamble(profile).length + (7 + 50) * profile.symbol_len   # after payload symbol 50
    y[step:] *= gain
    channel = LoopbackChannel(ChannelConfig.for_profile(profile, "awgn", snr_db=15.0, dac_bits=0), seed=22)
    (b,) = Receiver(profile).process(channel.apply(y))
    e = np.abs(b.symbols - x) ** 2
    late = interleaver(x.size, profile.n_data) // profile.n_data >= 50
    # after the step the channel comes from a few pilot symbols: up to 2 dB less than the truth
    for part, expect, tol in ((~late, 15.0, 1.0), (late, 15.0 + 20 * np.log10(abs(gain)), 2.0)):
        assert expect - tol < -10 * np.log10(e[part].mean()) < expect + 0.5
        assert 0.75 < np.mean(e[part] / b.noise_var[part]) < 1.35

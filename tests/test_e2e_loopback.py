"""End to end through the real codec, PHY and loopback simulator (no hardware).

The codec is the shipped default model, or, until trained weights ship, the untrained
``small`` model with a fixed seed; quality assertions are relative either way: the radio link
against the codec-level simulation (``dvst.eval.codec_sim.evaluate``) at the SNR the receiver
measured.
"""

import json

import numpy as np
import pytest

from dvst.codec.sideinfo import SideCount
from dvst.eval.codec_sim import evaluate
from dvst.io.video import read_frames
from dvst.link.codec import load_codec
from dvst.link.factory import loopback_session, record_session, replay_session
from dvst.link.framing import LINK_HEADER_BYTES
from dvst.link.link_config import LinkConfig
from dvst.link.sinks import Sink
from radio.side_mcs import choose_side_mcs

SIZE = "128x96"
FRAMES = 8


class Keep(Sink):
    def __init__(self):
        self.items = []

    def put(self, st):
        self.items.append(st)


@pytest.fixture(scope="module")
def codec():
    """The shipped default model once the zoo has one (quality checks then mean something),
    else the untrained small model with a fixed seed."""
    import dvst.zoo

    return load_codec(None if dvst.zoo.list_models() else "small", seed=0)


@pytest.fixture(scope="module")
def clip():
    return read_frames("demo", size=SIZE, max_frames=FRAMES)


def _cfg(**kw):
    base = dict(model="small", channel="awgn", snr_db=10.0, frames=FRAMES, size=SIZE, pace=False,
                msssim=False)
    return LinkConfig(**{**base, **kw})


def _run(codec, cfg, wrap_tx=None, record=None):
    keep = Keep()
    s = loopback_session(cfg, "demo", sinks=[keep], codec=codec)
    if wrap_tx is not None:
        s.tx_device = wrap_tx(s.tx_device)
    if record:
        s.start_recording(record)
    summary = s.run(timeout=300)
    return summary, keep.items


class FrameTx:
    """Wraps the transmitting device; ``edit(frame_number, samples)`` → samples to send or None."""

    def __init__(self, dev, edit):
        self.dev, self.edit, self.n = dev, edit, 0

    def tx(self, samples):
        out = self.edit(self.n, samples)
        self.n += 1
        if out is not None:
            self.dev.tx(out)


def test_loopback_at_10db_decodes_every_frame_and_matches_the_codec_simulation(codec, clip, tmp_path):
    summary, stats = _run(codec, _cfg())
    assert summary["frames_sent"] == FRAMES and summary["frames_decoded"] == FRAMES
    assert summary["frames_concealed"] == 0 and summary["bursts_failed"] == 0
    assert [s.kind for s in stats] == ["I", "P", "P", "P"] * 2
    assert abs(summary["snr_measured_db"] - 10.0) < 1.0
    # the link configured for 10 dB sends its side information at the MCS picked for 10 dB
    mcs = choose_side_mcs(10.0)
    sim = evaluate(clip, codec.model, summary["snr_measured_db"], "awgn", gop=4, seed=0,
                   side_count=SideCount.of(mcs))
    assert sim["side_mcs"] == "qpsk-2/3"
    assert abs(summary["psnr_db"] - sim["psnr_db"]) < 0.5
    # bandwidth: the payload CBR is the codec's analog symbols plus the symbols of the coded side
    # information; the link's count adds its own frame header, the side CRC-32 and the padding to
    # whole OFDM symbols (84 symbols), which the codec's count leaves out. The air CBR counts
    # every sample sent and must exceed it
    extra = (summary["payload_cbr"] - sim["payload_cbr"]) * 128 * 96 * 3
    assert 0 < extra <= (LINK_HEADER_BYTES + 4) * 8 * 0.75 + 84
    assert summary["air_cbr"] > 1.2 * summary["payload_cbr"]
    for key in ("frames_sent", "frames_decoded", "frames_concealed", "psnr_db", "msssim_db",
                "payload_cbr", "air_cbr", "snr_measured_db", "fps", "latency_ms_p50", "latency_ms_p95"):
        assert key in summary
    s0 = stats[0]
    assert s0.reconstruction.shape == (96, 128, 3) and s0.original.shape == (96, 128, 3)
    assert set(s0.constellation) == {"payload", "pilots", "header"}
    assert all(v.size <= 2000 for v in s0.constellation.values())
    assert s0.channel_mag.shape == (96,) and s0.rx_snippet.size > 0 and s0.sample_rate == 2e6
    json.dumps({k: v for k, v in summary.items()})  # plain enough for the JSON sink after _plain


def test_loopback_at_0db_degrades_smoothly(codec, clip):
    hi, _ = _run(codec, _cfg(snr_db=10.0))
    lo, stats = _run(codec, _cfg(snr_db=0.0))
    assert [s.index for s in stats] == list(range(FRAMES))  # every frame shown, none lost silently
    assert lo["frames_decoded"] >= FRAMES - 2
    assert abs(lo["snr_measured_db"]) < 1.5
    sim = evaluate(clip, codec.model, lo["snr_measured_db"], "awgn", gop=4, seed=0)
    assert abs(lo["psnr_db_decoded"] - sim["psnr_db"]) < 1.0
    assert lo["psnr_db"] <= hi["psnr_db"] + 0.2


def test_dropped_bursts_are_concealed_and_counted(codec):
    # frame 1 (P) silenced: 1, 2, 3 concealed (no reference), 4 (I) decoded again;
    # frame 6 (P) silenced: 6, 7 concealed
    drop = {1, 6}
    summary, stats = _run(codec, _cfg(), wrap_tx=lambda d: FrameTx(
        d, lambda n, x: np.zeros_like(x) if n in drop else x))
    assert [s.status for s in stats] == ["decoded"] + ["concealed"] * 3 + ["decoded"] * 2 + ["concealed"] * 2
    assert summary["frames_concealed"] == 5 and stats[-1].frames_concealed == 5
    assert np.array_equal(stats[1].reconstruction, stats[0].reconstruction)
    assert np.array_equal(stats[7].reconstruction, stats[5].reconstruction)


def test_receiver_started_mid_stream_locks_on_at_the_next_i_frame(codec):
    # the receiver hears nothing of frames 0 and 1 and only the second half of frame 2's burst
    def late(n, x):
        return None if n < 2 else (x[len(x) // 2:] if n == 2 else x)

    summary, stats = _run(codec, _cfg(), wrap_tx=lambda d: FrameTx(d, late))
    assert stats[0].index == 4 and stats[0].kind == "I"
    assert all(s.status == "decoded" for s in stats) and [s.index for s in stats] == [4, 5, 6, 7]
    assert summary["frames_waiting"] == 1  # frame 3: a P-frame before any I-frame


def test_replayed_recording_gives_the_same_frames_as_the_live_run(codec, tmp_path):
    cap = tmp_path / "live.sigmf-meta"
    live, live_stats = _run(codec, _cfg(channel="two-plutos-bench", snr_db=15.0), record=cap)
    assert cap.is_file()
    keep = Keep()
    replay = replay_session(cap, _cfg(), sinks=[keep], codec=codec).run(timeout=300)
    assert [(s.index, s.status) for s in keep.items] == [(s.index, s.status) for s in live_stats]
    for a, b in zip(live_stats, keep.items):
        assert np.array_equal(a.reconstruction, b.reconstruction)
        assert a.snr_measured_db == b.snr_measured_db
    assert replay["frames_decoded"] == live["frames_decoded"]


def test_a_recording_through_a_foreign_channel_simulator_decodes(codec, clip, tmp_path):
    import sigmf

    tx = tmp_path / "tx.sigmf-meta"
    record_session(_cfg(), "demo", tx, codec=codec).run(timeout=300)
    x = np.fromfile(tmp_path / "tx.sigmf-data", dtype="<c8")
    assert x.size > 0
    # someone else's channel: delay, 2 kHz carrier offset, attenuation and in-band AWGN at 12 dB
    rng = np.random.default_rng(5)
    fs, occupied = 2e6, 0.75
    y = np.concatenate([np.zeros(7777, np.complex64), x, np.zeros(30000, np.complex64)])
    y = 0.5 * y * np.exp(2j * np.pi * 2000.0 / fs * np.arange(y.size))
    p_sig = np.mean(np.abs(0.5 * x[np.abs(x) > 0]) ** 2)
    var = p_sig / (occupied * 10 ** (12 / 10))
    y = y + np.sqrt(var / 2) * (rng.standard_normal(y.size) + 1j * rng.standard_normal(y.size))
    out = tmp_path / "foreign"
    y.astype("<c8").tofile(str(out) + ".sigmf-data")
    meta = sigmf.SigMFFile(data_file=str(out) + ".sigmf-data",
                           global_info={"core:datatype": "cf32_le", "core:sample_rate": fs,
                                        "core:version": sigmf.__specification__})
    meta.add_capture(0, metadata={"core:frequency": 2.4e9})
    meta.tofile(str(out) + ".sigmf-meta")
    keep = Keep()
    summary = replay_session(str(out) + ".sigmf-meta", _cfg(), sinks=[keep], reference="demo",
                             codec=codec).run(timeout=300)
    assert summary["frames_decoded"] == FRAMES and summary["frames_concealed"] == 0
    assert abs(summary["snr_measured_db"] - 12.0) < 1.5
    sim = evaluate(clip, codec.model, summary["snr_measured_db"], "awgn", gop=4, seed=0)
    assert abs(summary["psnr_db"] - sim["psnr_db"]) < 0.5


def test_live_controls_change_the_channel_and_the_model(codec):
    keep = Keep()
    s = loopback_session(_cfg(snr_db=5.0), "demo", sinks=[keep], codec=codec)
    s.set_channel(snr_db=20.0)   # before the first burst: every frame sees 20 dB
    s.start()
    s.set_target(model="small")  # the same weights again: switches at once, with an I-frame
    s.wait(300)
    s.stop()
    summary = s.summary()
    assert summary["frames_decoded"] == FRAMES and summary["frames_concealed"] == 0
    assert abs(summary["snr_measured_db"] - 20.0) < 1.5 and summary["snr_set_db"] == 20.0
    with pytest.raises(Exception, match="loopback only"):
        replay_session_without_channel(codec)


def replay_session_without_channel(codec):
    from dvst.link.session import LinkSession, Receiving, RxChain

    s = LinkSession(rx=Receiving(RxChain(None, {}), None))
    s.set_channel(snr_db=1.0)


def test_one_board_with_a_cable_through_the_pluto_driver(codec):
    """``dvst tx --cable`` on PlutoDevice driving the fake adi.Pluto: pyadi-iio's rules hold
    (fixed TX buffer length, int16 codes) and every frame decodes."""
    from dvst.link.factory import tx_session

    cfg = _cfg(device="fake-pluto", uri="ip:fake-pluto", snr_db=20.0, frames=4)
    s = tx_session(cfg, "demo", cable=True, codec=codec)
    sdr = s.tx_device.dev.sdr
    summary = s.run(timeout=300)
    assert summary["frames_decoded"] == 4 and summary["frames_concealed"] == 0
    last_tx = len(sdr.calls) - 1 - sdr.calls[::-1].index("tx")
    assert sdr.calls.count("tx") >= 4 and "tx_destroy_buffer" not in sdr.calls[:last_tx]  # one TX buffer length


def test_frames_split_over_several_bursts_reassemble_and_a_lost_fragment_conceals(codec):
    cfg = _cfg(max_burst_symbols=400)
    full, stats = _run(codec, cfg)
    assert full["frames_decoded"] == FRAMES and min(s.n_bursts for s in stats) >= 2
    # the last quarter of frame 4's samples (its last burst or more) silenced: frame 4 (I) is
    # incomplete, 5..7 have no reference
    def cut(n, x):
        if n != 4:
            return x
        y = x.copy()
        y[3 * len(y) // 4:] = 0
        return y

    summary, stats = _run(codec, cfg, wrap_tx=lambda d: FrameTx(d, cut))
    assert [s.status for s in stats] == ["decoded"] * 4 + ["concealed"] * 4
    assert "missing" in stats[4].reason and summary["frames_concealed"] == 4


def test_two_boards_receiver_started_before_the_transmitter(codec):
    """``dvst rx`` on one (fake) board, started first; ``dvst tx`` on another, over the air."""
    import time

    from dvst.link.factory import rx_session, tx_session
    from dvst.link.phy import channel_config, load_radio_profile
    from radio.devices import PlutoDevice, fake_pluto_pair

    cfg = _cfg(snr_db=20.0, frames=6)
    profile = load_radio_profile(cfg)
    a, b = fake_pluto_pair(channel_config(cfg, profile), seed=3)
    dev_a, dev_b = PlutoDevice(sdr=a).configure(profile), PlutoDevice(sdr=b).configure(profile)
    keep = Keep()
    rx = rx_session(cfg, sinks=[keep], device=dev_b, device_name="fake b", profile=profile,
                    codec=codec, reference="demo")
    rx.max_frames = 6
    rx.start()
    time.sleep(0.5)  # the receiver listens to noise first
    tx_summary = tx_session(cfg, "demo", codec=codec, device=dev_a).run(timeout=300)
    assert rx.wait(120)
    rx.stop()
    dev_a.close()
    dev_b.close()
    summary = rx.summary()
    assert tx_summary["frames_sent"] == 6
    assert summary["frames_decoded"] == 6 and [s.index for s in keep.items] == list(range(6))
    assert summary["psnr_db"] is not None and summary["frames_sent"] is None


def test_the_decoder_gets_the_sent_symbols_with_calibrated_noise_variance(codec):
    """What the codec simulation assumes: received = sent + noise whose variance the link
    reports per symbol, at the codec's own scale (the burst power scaling undone)."""
    sent, got = {}, {}
    s = loopback_session(_cfg(snr_db=10.0), "demo", codec=codec)

    class Enc:
        def __init__(self, inner):
            self.inner = inner

        def encode(self, frame, snr_db):
            e = self.inner.encode(frame, snr_db)
            sent[e.index] = e
            return e

    class Dec:
        def __init__(self, inner):
            self.inner = inner

        def decode(self, rf):
            got[rf.index] = rf
            return self.inner.decode(rf)

    s.tx.encoder = Enc(s.tx.encoder)
    tag = s.tx.tag
    s.rx.decoders[tag] = (s.rx.decoders[tag][0], Dec(s.rx.decoders[tag][1]))
    s.run(timeout=300)
    assert sorted(got) == list(range(FRAMES))
    for i, rf in got.items():
        tx = sent[i]
        assert rf.side_info == tx.side_info and rf.kind == tx.kind and rf.symbols.size == tx.symbols.size
        err = np.mean(np.abs(rf.symbols - tx.symbols) ** 2)
        nv = float(np.mean(rf.noise_var))
        assert 0.8 < err / nv < 1.25, (i, err, nv)
        # the frame's symbols have unit power, so the effective SNR is 1/noise ≈ the measured SNR
        assert abs(-10 * np.log10(nv) - rf.snr_db) < 1.0
        assert abs(rf.snr_db - 10.0) < 1.0


def test_bench_e2e_reports_fps_latency_and_stage_shares():
    from dvst.bench.e2e import measure

    r = measure(frames=4, size=SIZE, model="small")
    assert r["fps"] > 0 and r["latency_ms_p95"] >= r["latency_ms_p50"] > 0
    assert r["sustained_latency_ms_p95"] > 0 and r["frames_decoded"] == 4
    assert abs(sum(r["stage_share"].values()) - 1.0) < 1e-9
    assert {"encode", "decode", "sync+demodulate", "device rx"} <= set(r["stage_share"])
    assert r["air_cbr"] > r["payload_cbr"] > 0


def test_record_what_a_board_receives_and_replay_it(codec, tmp_path):
    """``dvst record INPUT --uri``: the board (fake, TX cabled to RX) sends INPUT and records
    what it receives; replaying the recording decodes the same frames."""
    cap = tmp_path / "rx.sigmf-meta"
    cfg = _cfg(device="fake-pluto", uri="ip:fake-pluto", snr_db=20.0, frames=4)
    keep_live = Keep()
    s = record_session(cfg, "demo", cap, codec=codec)
    s.sinks.append(keep_live)
    live = s.run(timeout=300)
    assert live["frames_decoded"] == 4 and cap.is_file()
    keep = Keep()
    replay = replay_session(cap, _cfg(), sinks=[keep], codec=codec).run(timeout=300)
    assert replay["frames_decoded"] == 4
    for a, b in zip(keep_live.items, keep.items):
        assert np.array_equal(a.reconstruction, b.reconstruction)


def test_a_receiver_with_another_model_refuses_the_frames_and_says_so(codec, tmp_path, caplog):
    cap = tmp_path / "tx.sigmf-meta"
    record_session(_cfg(frames=4), "demo", cap, codec=codec).run(timeout=300)
    other = load_codec("small", seed=1)   # same architecture, other weights: another tag
    assert other.tag != codec.tag
    summary = replay_session(cap, _cfg(), codec=other).run(timeout=300)
    assert summary["frames_decoded"] == 0 and summary["frames_waiting"] == 4
    assert "does not have" in caplog.text

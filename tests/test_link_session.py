"""LinkSession's threads, queues, pacing and concealment with a stand-in codec and modem.

The stand-ins are exact (no noise), so every count and every pixel can be checked; the real
codec and radio are exercised in tests/test_e2e*.py.
"""

import queue
import time

import numpy as np
import pytest

from dvst.frames import EncodedFrame
from dvst.link.framing import BurstMeasurements, FramerLimits, ReceivedFragment, model_tag
from dvst.link.session import LinkSession, Receiving, RxChain, SessionOptions, Transmitting, TxChain
from dvst.link.stats import FrameStats
from foundation.errors import ProjectError

TAG = model_tag("stand-in")


class Source:
    def __init__(self, n=12, fps=25.0, size=(32, 16)):
        rng = np.random.default_rng(1)
        self.frames = rng.integers(0, 256, (n, size[1], size[0], 3), dtype=np.uint8)
        self.fps = fps

    def __iter__(self):
        return iter(self.frames)


class Encoder:
    """I-frames carry the pixels, P-frames the difference to the previous frame (mod 256)."""

    def __init__(self, gop=4):
        self.gop, self.t, self.prev = gop, 0, None

    def encode(self, frame, snr_db):
        kind = "I" if self.t % self.gop == 0 else "P"
        data = frame if kind == "I" else (frame.astype(np.int16) - self.prev) % 256
        self.prev, self.t = frame.astype(np.int16), self.t + 1
        sym = data.reshape(-1).astype(np.float32).view(np.complex64)
        return EncodedFrame(self.t - 1, kind, sym, np.array(frame.shape, np.uint16).tobytes())


class Decoder:
    def __init__(self):
        self.ref = None

    def decode(self, rf):
        shape = tuple(np.frombuffer(rf.side_info, np.uint16))
        data = rf.symbols.view(np.float32).reshape(shape).astype(np.int16)
        if rf.kind == "P":
            if self.ref is None:
                raise ProjectError("P-frame without a reference")
            data = (data + self.ref) % 256
        self.ref = data
        return data.astype(np.uint8)


class Modem:
    """Bursts as opaque tokens: sample 0 holds a key into a shared table."""

    limits = FramerLimits(max_payload_symbols=400, max_side_bytes=64)

    def __init__(self):
        self.table, self.bursts_failed = {}, 0

    def modulate(self, frag, stream_id, snr_db=None):
        key = len(self.table) + 1
        self.table[key] = (frag, stream_id)
        s = np.zeros(10, np.complex64)
        s[0] = key
        return s, 3

    def demodulate(self, buf):
        out = []
        for v in buf[buf != 0]:
            frag, sid = self.table[int(v.real)]
            out.append(ReceivedFragment(sid, frag.frame_index, frag.kind, frag.fragment, frag.n_fragments,
                                        frag.header_bytes, frag.payload.copy(),
                                        np.zeros(frag.payload.size, np.float32), 30.0,
                                        BurstMeasurements(n_air_samples=10, n_header_symbols=3)))
        return out


class Pipe:
    """tx device → rx device; ``drop(key)`` loses bursts; rx returns a quiet buffer when idle."""

    def __init__(self, drop=lambda n: False, skip_first=0):
        self.q, self.drop, self.n, self.skip = queue.Queue(), drop, 0, skip_first

    def tx(self, samples):
        for burst in samples.reshape(-1, 10):
            self.n += 1
            if not self.drop(self.n) and self.n > self.skip:
                self.q.put(burst)

    def rx(self):
        try:
            return self.q.get(timeout=0.02)
        except queue.Empty:
            return np.zeros(10, np.complex64)


class Keep:
    """A sink that keeps every FrameStats whole (the summary sink drops the arrays)."""

    def __init__(self):
        self.items = []

    def put(self, st):
        self.items.append(st)

    def close(self):
        pass


def _session(n=12, pipe=None, pace=False, **options):
    modem = Modem()
    pipe = pipe or Pipe()
    src = Source(n)
    s = LinkSession(Transmitting(src, TxChain(Encoder(), modem, TAG, 5, 10.0), pipe, pace),
                    Receiving(RxChain(modem, {TAG: ("stand-in", Decoder())}), pipe, drain_buffers=10),
                    sinks=[Keep()], options=SessionOptions(**options))
    return s, src


def _all_stats(s):
    return s.sinks[-1].items


def test_every_frame_decoded_exactly_and_counted():
    s, src = _session(12)
    summary = s.run(timeout=30)
    st = _all_stats(s)
    assert [x.index for x in st] == list(range(12)) and all(x.status == "decoded" for x in st)
    assert summary["frames_sent"] == 12 and summary["frames_decoded"] == 12 and summary["frames_concealed"] == 0
    assert all(x.psnr_db == 100.0 for x in st)  # exact stand-ins: identical frames
    # 32x16x3 floats = 768 complex symbols → 2 bursts of ≤400 symbols, 3 header symbols each
    assert st[0].n_bursts == 2 and st[0].payload_cbr == pytest.approx((768 + 6) / (32 * 16 * 3))
    assert st[0].air_cbr == pytest.approx(20 / (32 * 16 * 3))
    assert summary["latency_ms_p95"] is not None and summary["fps"] > 0


def test_dropped_bursts_conceal_until_the_next_i_frame():
    # bursts are numbered from 1, two per frame: burst 11 is the first half of frame 5 (a P-frame)
    s, src = _session(12, Pipe(drop=lambda n: n == 11))
    summary = s.run(timeout=30)
    st = _all_stats(s)
    status = [x.status for x in st]
    assert status == ["decoded"] * 5 + ["concealed"] * 3 + ["decoded"] * 4
    assert summary["frames_concealed"] == 3 and st[-1].frames_concealed == 3
    # concealment repeats the last good reconstruction (frame 4), and decoding was exact
    assert st[4].reconstruction is not None
    assert all(np.array_equal(x.reconstruction, st[4].reconstruction) for x in st[5:8])
    assert np.array_equal(st[8].reconstruction, src.frames[8])
    assert "burst" in st[5].reason and "reference" in st[6].reason


def test_lost_tail_frames_are_concealed_at_the_end():
    s, src = _session(8, Pipe(drop=lambda n: n > 12))
    summary = s.run(timeout=30)
    assert summary["frames_decoded"] == 6 and summary["frames_concealed"] == 2
    assert [x.index for x in _all_stats(s)] == list(range(8))


def test_receiver_started_mid_stream_locks_on_at_the_next_i_frame():
    s, src = _session(12, Pipe(skip_first=5))  # misses frames 0, 1 and half of 2
    summary = s.run(timeout=30)
    st = _all_stats(s)
    assert st[0].index == 4 and st[0].kind == "I" and all(x.status == "decoded" for x in st)
    # frames 0 and 1 were never heard of; 2 (incomplete) and 3 (a P-frame) wait for the I-frame
    assert summary["frames_waiting"] == 2 and summary["frames_decoded"] == 8


def test_pacing_holds_the_source_frame_rate_and_stats_queue_is_bounded():
    s, src = _session(10, pace=True, stats_queue_size=3)
    src.fps = 50.0
    t0 = time.perf_counter()
    s.run(timeout=30)
    assert time.perf_counter() - t0 >= 9 / 50.0
    got = []
    while not s.stats.empty():
        got.append(s.stats.get_nowait())
    assert [g.index for g in got] == [7, 8, 9] and all(isinstance(g, FrameStats) for g in got)


def test_a_worker_error_reaches_the_caller_and_threads_stop():
    class Broken(Encoder):
        def encode(self, frame, snr_db):
            raise ProjectError("encoder exploded")

    modem, pipe = Modem(), Pipe()
    s = LinkSession(Transmitting(Source(5), TxChain(Broken(), modem, TAG, 1, 10.0), pipe, pace=False),
                    Receiving(RxChain(modem, {TAG: ("x", Decoder())}), pipe))
    with pytest.raises(ProjectError, match="exploded"):
        s.run(timeout=10)
    assert not any(t.is_alive() for t in s._threads)


def test_link_config_file_is_overridden_by_flags(tmp_path):
    import argparse

    from dvst.link.link_config import add_link_flags, link_config

    p = argparse.ArgumentParser()
    add_link_flags(p, "snr_db", "channel", "frames")
    p.add_argument("--config")
    cfg_file = tmp_path / "link.yaml"
    cfg_file.write_text("snr_db: 3.0\nchannel: rayleigh\ngop: 8\n")
    cfg = link_config(p.parse_args(["--config", str(cfg_file), "--snr", "12"]))
    assert cfg.snr_db == 12.0 and cfg.channel == "rayleigh" and cfg.gop == 8 and cfg.pace is True
    assert link_config(p.parse_args(["--no-pace"])).pace is False
    with pytest.raises(ProjectError, match="frames"):
        link_config(p.parse_args(["--frames", "0"]))


def test_a_session_runs_once_and_stop_is_idempotent():
    s, _ = _session(3)
    s.run(timeout=30)
    s.stop()  # again: nothing happens
    with pytest.raises(ProjectError, match="runs once"):
        s.start()


def test_recent_samples_cut_a_snippet_at_a_burst_start():
    from dvst.link.session import RecentSamples

    r = RecentSamples(capacity=100, snippet=10)
    for k in range(5):
        r.append(np.arange(40 * k, 40 * (k + 1)).astype(np.complex64))
    assert r.end == 200
    np.testing.assert_array_equal(r.snippet(150).real, np.arange(150, 160))
    np.testing.assert_array_equal(r.snippet(10).real, np.arange(190, 200))   # no longer held
    np.testing.assert_array_equal(r.snippet(None).real, np.arange(190, 200))


def test_a_decoder_crash_on_one_frame_conceals_instead_of_stopping_the_receiver(caplog):
    class Flaky(Decoder):
        def decode(self, rf):
            if rf.index == 5:
                raise ValueError("boom")
            return super().decode(rf)

    modem, pipe = Modem(), Pipe()
    s = LinkSession(Transmitting(Source(8), TxChain(Encoder(), modem, TAG, 1, 10.0), pipe, pace=False),
                    Receiving(RxChain(modem, {TAG: ("x", Flaky())}), pipe))
    summary = s.run(timeout=30)
    assert summary["frames_decoded"] == 5 and summary["frames_concealed"] == 3
    assert "ValueError" in caplog.text

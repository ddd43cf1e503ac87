"""The zmq device against a pure pyzmq peer that speaks GNU Radio's ZeroMQ IQ format (raw
little-endian cf32 items, no tags): framing, message splits at every boundary, a late start,
a restart, overflows counted, int16 detected, a missing peer reported."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

zmq = pytest.importorskip("zmq")

from foundation.errors import ProjectError  # noqa: E402
from radio.devices import (  # noqa: E402
    ZmqDevice,
    open_device,
    zeromq,  # noqa: E402
)
from radio.devices.zeromq import free_tcp_endpoint  # noqa: E402


def ramp(n: int, start: int = 0) -> np.ndarray:
    k = np.arange(start, start + n, dtype=np.float32)
    return (0.5 * np.exp(1j * 0.01 * k)).astype(np.complex64)


class Sink:
    """GNU Radio's ZMQ PUSH sink: binds, sends raw cf32 bytes in messages of any size."""

    def __init__(self, endpoint: str, kind=zmq.PUSH):
        self.sock = zmq.Context.instance().socket(kind)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.bind(endpoint)

    def send_bytes(self, data: bytes, cuts: list[int]) -> None:
        edges = [0, *cuts, len(data)]
        for a, b in zip(edges[:-1], edges[1:]):
            self.sock.send(data[a:b])

    def close(self):
        self.sock.close(linger=0)


def receiver(endpoint: str, n: int, **kw) -> ZmqDevice:
    dev = ZmqDevice(rx_endpoint=endpoint, timeout_s=kw.pop("timeout_s", 5.0), **kw)
    dev.rx_buffer_size = n
    return dev


@pytest.mark.parametrize("cut", [1, 3, 4, 7, 8, 9, 15, 16, 17, 400, 8 * 500 - 1])
def test_items_split_anywhere_across_messages_arrive_intact(cut):
    ep = free_tcp_endpoint()
    sink = Sink(ep)
    dev = receiver(ep, 500)
    try:
        x = ramp(1000)
        data = x.astype("<c8").tobytes()
        cuts = sorted({c for c in range(cut, len(data), max(cut, 997))})
        sink.send_bytes(data, cuts)
        got = np.concatenate([dev.rx(), dev.rx()])
        np.testing.assert_array_equal(got, x)
        assert dev.rx_samples == 1000
    finally:
        dev.close()
        sink.close()


def test_rx_buffers_of_any_size_from_messages_of_any_size():
    ep = free_tcp_endpoint()
    sink = Sink(ep)
    dev = receiver(ep, 333)
    try:
        x = ramp(333 * 6)
        rng = np.random.default_rng(1)
        sizes = rng.integers(1, 700, 40)
        i = 0
        for s in sizes:
            if i >= x.size:
                break
            sink.sock.send(x[i:i + s].tobytes())
            i += s
        if i < x.size:
            sink.sock.send(x[i:].tobytes())
        got = np.concatenate([dev.rx() for _ in range(6)])
        np.testing.assert_array_equal(got, x)
    finally:
        dev.close()
        sink.close()


def test_a_peer_that_starts_late_and_restarts():
    ep = free_tcp_endpoint()
    dev = receiver(ep, 256, timeout_s=10.0, gap_s=10.0)   # the receiver first, as a user may start it
    out: list[np.ndarray] = []
    t = threading.Thread(target=lambda: out.extend(dev.rx() for _ in range(2)))
    t.start()
    time.sleep(0.3)
    sink = Sink(ep)
    sink.sock.send(ramp(256).tobytes())
    time.sleep(0.2)
    sink.close()                                   # the flowgraph stops …
    time.sleep(0.3)
    sink = Sink(ep)                                # … and starts again on the same endpoint
    sink.sock.send(ramp(256, 256).tobytes())
    t.join(10)
    try:
        assert not t.is_alive()
        np.testing.assert_array_equal(np.concatenate(out), ramp(512))
        assert dev.idle_s > 0.1                    # the gap was waited for, not received
    finally:
        dev.close()
        sink.close()


def test_a_message_beyond_the_backlog_overflows_and_is_counted(monkeypatch):
    monkeypatch.setattr(zeromq, "MAX_BACKLOG", 1000)
    ep = free_tcp_endpoint()
    sink = Sink(ep)
    dev = receiver(ep, 100)
    try:
        sink.sock.send(ramp(3000).tobytes())
        np.testing.assert_array_equal(dev.rx(), ramp(100, 2000))   # the newest 1000 were kept
        assert dev.rx_overflows == 2000
    finally:
        dev.close()
        sink.close()


def test_a_fast_peer_is_read_buffer_by_buffer_in_order():
    ep = free_tcp_endpoint()
    sink = Sink(ep)
    dev = receiver(ep, 100)
    try:
        for k in range(50):
            sink.sock.send(ramp(100, 100 * k).tobytes())
        got = np.concatenate([dev.rx() for _ in range(50)])
        np.testing.assert_array_equal(got, ramp(5000))
        assert dev.rx_overflows == 0
    finally:
        dev.close()
        sink.close()


def test_int16_items_are_reported_not_decoded():
    ep = free_tcp_endpoint()
    sink = Sink(ep)
    dev = receiver(ep, 1000)
    try:
        iq = np.round(ramp(1000).view(np.float32) * 2000).astype("<i2")   # GNU Radio "short" IQ
        sink.sock.send(iq.tobytes())
        with pytest.raises(ProjectError, match="int16"):
            dev.rx()
    finally:
        dev.close()
        sink.close()


def test_a_peer_that_never_answers_is_a_one_line_error():
    dev = receiver(free_tcp_endpoint(), 100, timeout_s=0.5)
    t = time.monotonic()
    with pytest.raises(ProjectError, match="no samples from tcp://") as e:
        dev.rx()
    assert time.monotonic() - t < 5 and "\n" not in str(e.value)
    dev.close()
    tx = ZmqDevice(tx_endpoint=free_tcp_endpoint(), timeout_s=0.5)
    with pytest.raises(ProjectError, match="no GNU Radio peer took samples"):
        tx.tx(ramp(10))
    tx.close()


@pytest.mark.parametrize("endpoint", ["localhost:5555", "tcp://:5555", "tcp://host:99999", "udp://x:1", ""])
def test_malformed_endpoints_are_one_line_errors(endpoint):
    with pytest.raises(ProjectError, match="endpoint"):
        ZmqDevice(rx_endpoint=endpoint)


def test_an_endpoint_in_use_is_a_one_line_error():
    ep = free_tcp_endpoint()
    a = ZmqDevice(tx_endpoint=ep)
    try:
        with pytest.raises(ProjectError, match="cannot open zmq endpoint"):
            ZmqDevice(tx_endpoint=ep)
    finally:
        a.close()


@pytest.mark.parametrize("pattern", ["pushpull", "pubsub"])
def test_transmit_and_receive_between_two_devices(pattern):
    ep = free_tcp_endpoint()
    tx = open_device("zmq", tx_endpoint=ep, pattern=pattern)
    rx = open_device("zmq", rx_endpoint=ep, pattern=pattern)
    rx.rx_buffer_size = 4096
    try:
        time.sleep(0.3)   # PUB drops what it sends before the subscriber has joined
        x = ramp(3 * zeromq.MAX_MESSAGE_ITEMS // 2 + 4096)
        tx.tx(x * 3.0)    # clipped to full scale on the way, as every device does
        np.testing.assert_array_equal(rx.rx(), np.clip(x.view(np.float32) * 3, -1, 1).view(np.complex64)[:4096])
        assert tx.tx_clipped > 0 and tx.tx_samples == x.size
    finally:
        tx.close()
        rx.close()


def test_interrupt_releases_a_waiting_receiver():
    ep = free_tcp_endpoint()
    sink = Sink(ep)
    dev = receiver(ep, 1000, timeout_s=30.0, gap_s=30.0)
    try:
        sink.sock.send(ramp(10).tobytes())
        threading.Timer(0.3, dev.interrupt).start()
        t = time.monotonic()
        got = dev.rx()
        assert time.monotonic() - t < 5
        np.testing.assert_array_equal(got[:10], ramp(10))
        assert not got[10:].any()
    finally:
        dev.close()
        sink.close()


def test_a_pause_of_the_peer_is_silence_and_counted():
    ep = free_tcp_endpoint()
    sink = Sink(ep)
    dev = receiver(ep, 1000, gap_s=0.2)
    try:
        sink.sock.send(ramp(600).tobytes())
        got = dev.rx()                             # 600 samples, then the peer says nothing
        np.testing.assert_array_equal(got[:600], ramp(600))
        assert not got[600:].any() and dev.rx_gaps == 1
        sink.sock.send(ramp(1000).tobytes())
        np.testing.assert_array_equal(dev.rx(), ramp(1000))
    finally:
        dev.close()
        sink.close()


class Channel(threading.Thread):
    """A stand-in for flowgraph (1) in pure pyzmq: ZMQ PULL source → noise and a carrier
    offset → ZMQ PUSH sink, re-chunked into messages of odd sizes."""

    def __init__(self, src: str, dst: str, snr_db: float = 20.0, cfo: float = 2e-4, seed: int = 0):
        super().__init__(daemon=True)
        ctx = zmq.Context.instance()
        self.pull = ctx.socket(zmq.PULL)
        self.pull.setsockopt(zmq.LINGER, 0)
        self.pull.connect(src)
        self.push = ctx.socket(zmq.PUSH)
        self.push.setsockopt(zmq.LINGER, 0)
        self.push.bind(dst)
        self.snr_db, self.cfo, self.rng = snr_db, cfo, np.random.default_rng(seed)
        self.stop = threading.Event()
        self.n = 0

    def run(self):
        while not self.stop.is_set():
            if not self.pull.poll(50):
                continue
            x = np.frombuffer(self.pull.recv(), "<c8")
            k = np.arange(self.n, self.n + x.size)
            self.n += x.size
            p = max(float(np.mean(np.abs(x) ** 2)), 1e-4)
            sigma = np.sqrt(p / 10 ** (self.snr_db / 10) / 2)
            y = x * np.exp(2j * np.pi * self.cfo * k) + sigma * (
                self.rng.standard_normal(x.size) + 1j * self.rng.standard_normal(x.size))
            y = y.astype("<c8").tobytes()
            for i in range(0, len(y), 8 * 3001 + 4):   # splits inside items, too
                self.push.send(y[i:i + 8 * 3001 + 4])

    def close(self):
        self.stop.set()
        self.join(5)
        self.pull.close(linger=0)
        self.push.close(linger=0)


def test_the_link_through_a_zmq_channel_decodes_every_frame(tmp_path):
    import json

    from dvst.cli import main

    a, b = free_tcp_endpoint(), free_tcp_endpoint()
    chan = Channel(a, b)
    chan.start()
    js = tmp_path / "zmq.json"
    try:
        rc = main(["loopback", "--tx-endpoint", a, "--rx-endpoint", b, "--model", "small", "--frames", "4",
                   "--size", "128x96", "--no-pace", "--json", str(js), "--require-frames", "4"])
    finally:
        chan.close()
    d = json.loads(js.read_text())
    assert rc == 0 and d["frames_decoded"] == 4 and d["state"] == "complete"
    assert d["device"].startswith("zmq tx tcp://") and "2e+06 S/s" in d["device"]
    assert d["snr_measured_db"] > 15   # noise scaled to each message, silence included


def test_zmq_link_flags_are_checked(capsys):
    from dvst.cli import main

    assert main(["rx", "--device", "zmq", "--model", "small", "--frames", "1"]) == 2
    assert "needs --rx-endpoint" in capsys.readouterr().err
    assert main(["rx", "--device", "zmq", "--rx-endpoint", "nonsense", "--model", "small"]) == 2
    assert "rx endpoint must look like" in capsys.readouterr().err


def test_a_stream_faster_than_the_link_expects_is_reported(caplog):
    ep = free_tcp_endpoint()
    sink = Sink(ep)
    dev = receiver(ep, 1000)
    dev.sample_rate = 1_000_000
    stop = threading.Event()

    def feed():   # about 2.6 MS/s, steadily, where 1 MS/s is expected
        while not stop.is_set():
            sink.sock.send(ramp(26_000).tobytes())
            time.sleep(0.01)

    t = threading.Thread(target=feed, daemon=True)
    t.start()
    try:
        with caplog.at_level("WARNING"):
            t0 = time.monotonic()
            while time.monotonic() - t0 < 4.0:
                dev.rx()
        assert "the link expects 1e+06 S/s" in caplog.text
        assert dev.counters()["sample_rate_measured"] > 1.5e6
    finally:
        stop.set()
        t.join(5)
        dev.close()
        sink.close()


def test_the_window_builds_a_zmq_session():
    from dvst.link.link_config import LinkConfig
    from gui.sessions import build_session, settings_of
    from gui.settings import LinkSettings

    ep = free_tcp_endpoint()
    session = build_session(LinkSettings(source="zmq", link=LinkConfig(rx_endpoint=ep, model="small")))
    try:
        assert session.device_name == f"zmq rx {ep} at 2e+06 S/s" and session.tx is None
        assert settings_of(session).source == "zmq"
    finally:
        session.stop()

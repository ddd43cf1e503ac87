"""Any radio GNU Radio drives: IQ streamed through GNU Radio's ZeroMQ blocks.

The wire format is that of GNU Radio's ``ZMQ PUSH/PUB Sink`` and ``ZMQ PULL/SUB Source`` with
item type ``complex`` and tags off: each message is raw complex64 items (little-endian cf32,
interleaved I, Q float32), any number of items per message. As GNU Radio's blocks do, this
device's sending socket **binds** ``tx_endpoint`` (a flowgraph's ZMQ source connects to it) and
its receiving socket **connects** to ``rx_endpoint`` (where a flowgraph's ZMQ sink binds).

Samples are in full-scale units as for every :class:`~radio.devices.base.Device`. The sample
rate and the carrier belong to the flowgraph: the settings here only record what the link
expects, so a run can report it.

What a flowgraph really delivers is handled here: messages of any size, items split across
messages, gaps, a peer that starts late or restarts, a peer faster than the reader (PUSH/PULL
pushes back; PUB/SUB drops at ZeroMQ's high-water mark; a single message beyond the bounded
backlog loses its oldest samples, counted as ``rx_overflows`` as a Pluto counts overflows). A peer
that sends something other than cf32 (int16 ``short`` items, say)
is detected from the values and reported as a one-line :class:`RadioError`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from typing import Any

import numpy as np

from radio.devices.base import DEFAULTS, Device
from radio.errors import RadioError

log = logging.getLogger(__name__)

PATTERNS = ("pushpull", "pubsub")
ITEM = np.dtype("<c8")          # GNU Radio "complex": two little-endian float32
MAX_MESSAGE_ITEMS = 1 << 16     # samples per message sent (GNU Radio's sources take any size)
MAX_BACKLOG = 1 << 23           # samples held before the oldest are dropped (64 MiB)


def _zmq():
    try:
        import zmq
    except ImportError:
        raise RadioError("the zmq device needs pyzmq (pip install pyzmq)") from None
    return zmq


def check_endpoint(endpoint: str, name: str) -> str:
    """A ZeroMQ endpoint ``tcp://HOST:PORT``, ``ipc://PATH`` or ``inproc://NAME``."""
    if not isinstance(endpoint, str) or "://" not in endpoint:
        raise RadioError(f"{name} must look like tcp://127.0.0.1:5555, got {str(endpoint)[:80]!r}")
    scheme, rest = endpoint.split("://", 1)
    if scheme not in ("tcp", "ipc", "inproc") or not rest:
        raise RadioError(f"{name} must be a tcp://, ipc:// or inproc:// endpoint, got {endpoint[:80]!r}")
    if scheme == "tcp":
        host, _, port = rest.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise RadioError(f"{name} needs a host and a port 1..65535, got {endpoint[:80]!r}")
    return endpoint


def free_tcp_endpoint(host: str = "127.0.0.1") -> str:
    """``tcp://HOST:PORT`` on a port the system reports free now (for benches and tests)."""
    import socket

    with socket.socket() as s:
        s.bind((host, 0))
        return f"tcp://{host}:{s.getsockname()[1]}"


def looks_like_cf32(values: np.ndarray) -> bool:
    """True unless the float32 values are what int16 (or other integer) samples look like when
    read as float32: NaN/inf, magnitudes far beyond full scale, or many tiny denormal-range
    values. Full-scale IQ from a flowgraph stays within about ±10 (a channel model's noise
    and gain included)."""
    f = values.view(np.float32)
    if f.size == 0:
        return True
    finite = np.isfinite(f)
    a = np.abs(f[finite])
    odd = (~finite).sum() + (a > 1e4).sum() + ((a > 0) & (a < 1e-30)).sum()
    return odd <= 0.01 * f.size


class ZmqDevice(Device):
    """GNU Radio ZeroMQ IQ streams as a radio (see the module docstring).

    tx_endpoint: where the transmit socket binds (PUSH, or PUB), None for receive only.
    rx_endpoint: where the receive socket connects (PULL, or SUB), None for transmit only.
    pattern: "pushpull" (GNU Radio's PUSH sink / PULL source; nothing is lost, a slow peer
    slows the sender) or "pubsub" (PUB/SUB; a slow peer loses messages).
    timeout_s: how long ``tx`` waits for a peer to take samples, and ``rx`` for the first
    samples ever, before a one-line RadioError.
    gap_s: once the stream has begun, a pause longer than this is filled with silence (zeros)
    and counted in ``rx_gaps``, so ``rx()`` keeps returning buffers as a radio does when its
    peer pauses or restarts (a flowgraph's channel model sends nothing while nothing arrives).
    check_rate: warn once when a receive-only stream arrives at another rate than the link's.
    """

    kind = "zmq"

    def __init__(self, tx_endpoint: str | None = None, rx_endpoint: str | None = None,
                 pattern: str = "pushpull", timeout_s: float = 10.0, gap_s: float = 0.5,
                 check_rate: bool = True, context=None):
        super().__init__()
        if tx_endpoint is None and rx_endpoint is None:
            raise RadioError("the zmq device needs a tx endpoint, an rx endpoint or both")
        if pattern not in PATTERNS:
            raise RadioError(f"zmq pattern must be one of {', '.join(PATTERNS)}, got {pattern!r}")
        for name, v in (("timeout_s", timeout_s), ("gap_s", gap_s)):
            if not 0 < v < float("inf"):
                raise RadioError(f"zmq {name} must be a positive number, got {v}")
        self._zmq = zmq = _zmq()
        self.tx_endpoint = check_endpoint(tx_endpoint, "tx endpoint") if tx_endpoint is not None else None
        self.rx_endpoint = check_endpoint(rx_endpoint, "rx endpoint") if rx_endpoint is not None else None
        self.pattern, self.timeout_s, self.gap_s = pattern, float(timeout_s), float(gap_s)
        self._settings = dict(DEFAULTS)
        self._ctx = context or zmq.Context.instance()
        self._tx_sock = self._rx_sock = None
        self._pending: deque[np.ndarray] = deque()   # received samples not yet handed out
        self._n_pending = 0
        self._partial = b""                           # bytes of an item split across messages
        self._interrupt = threading.Event()
        self.rx_overflows = 0       # samples dropped because the peer ran ahead of rx()
        self.rx_messages = 0        # messages received
        self.rx_samples = 0         # samples received
        self.tx_samples = 0         # samples sent
        self.rx_gaps = 0            # pauses of the peer filled with silence
        self.idle_s = 0.0           # time rx() waited for samples after the stream had begun
        self._heard = False         # any sample received yet
        self._t_first: float | None = None   # when the first samples arrived
        self._rate_checked = not check_rate
        where = self.tx_endpoint
        try:
            if self.tx_endpoint:
                self._tx_sock = self._ctx.socket(zmq.PUSH if pattern == "pushpull" else zmq.PUB)
                self._tx_sock.setsockopt(zmq.LINGER, 0)
                self._tx_sock.bind(self.tx_endpoint)
            if self.rx_endpoint:
                where = self.rx_endpoint
                self._rx_sock = self._ctx.socket(zmq.PULL if pattern == "pushpull" else zmq.SUB)
                self._rx_sock.setsockopt(zmq.LINGER, 0)
                if pattern == "pubsub":
                    self._rx_sock.setsockopt(zmq.SUBSCRIBE, b"")
                self._rx_sock.connect(self.rx_endpoint)
        except zmq.ZMQError as e:
            self._close()
            raise RadioError(f"cannot open zmq endpoint {where}: {e}") from None

    # ---- settings: what the link expects; the flowgraph owns the hardware -------------------
    def _get(self, name: str) -> Any:
        return self._settings[name]

    def _set(self, name: str, value: Any) -> None:
        self._settings[name] = value

    # ---- transmit ---------------------------------------------------------------------------
    def _tx(self, samples: np.ndarray, cyclic: bool) -> None:
        if self._tx_sock is None:
            raise RadioError("this zmq device has no tx endpoint")
        if cyclic:
            raise RadioError("the zmq device streams; it has no cyclic transmit buffer")
        zmq = self._zmq
        data = np.ascontiguousarray(samples, ITEM)
        for i in range(0, data.size, MAX_MESSAGE_ITEMS):
            chunk = data[i:i + MAX_MESSAGE_ITEMS]
            deadline = time.monotonic() + self.timeout_s
            while True:
                try:
                    self._tx_sock.send(chunk, flags=zmq.NOBLOCK, copy=True)
                    break
                except zmq.Again:   # PUSH with no peer (or a full peer): wait, within reason
                    if self._interrupt.is_set():
                        return
                    if time.monotonic() > deadline:
                        raise RadioError(f"no GNU Radio peer took samples from {self.tx_endpoint} in "
                                        f"{self.timeout_s:g} s; is the flowgraph's ZMQ source "
                                        f"connected to it?") from None
                    time.sleep(0.005)
            self.tx_samples += chunk.size

    def _tx_destroy(self) -> None:
        pass

    # ---- receive ----------------------------------------------------------------------------
    def _take_message(self, msg: bytes) -> None:
        data = self._partial + msg
        whole = len(data) // ITEM.itemsize * ITEM.itemsize
        self._partial = data[whole:]
        if not whole:
            return
        x = np.frombuffer(data[:whole], ITEM)
        if not looks_like_cf32(x):
            raise RadioError(f"the peer at {self.rx_endpoint} does not send complex float32 "
                            "(GNU Radio item type 'complex'); int16 'short' items, perhaps")
        self.rx_messages += 1
        self.rx_samples += x.size
        self._heard = True
        if self._t_first is None:
            self._t_first = time.monotonic()
        self._pending.append(x)
        self._n_pending += x.size
        while self._n_pending > MAX_BACKLOG:   # a message beyond the backlog: drop the oldest, count them
            old = self._pending.popleft()
            drop = min(old.size, self._n_pending - MAX_BACKLOG)
            if drop < old.size:
                self._pending.appendleft(old[drop:])
            self._n_pending -= drop
            self.rx_overflows += drop

    def _rx(self) -> np.ndarray:
        if self._rx_sock is None:
            raise RadioError("this zmq device has no rx endpoint")
        zmq = self._zmq
        n = int(self._settings["rx_buffer_size"])
        t_wait = last = time.monotonic()
        waited = 0.0
        while self._n_pending < n:
            if self._interrupt.is_set():
                break
            t0 = time.monotonic()
            if self._rx_sock.poll(50, zmq.POLLIN):
                while self._n_pending < n:   # take what is there, without blocking, up to a buffer
                    try:
                        self._take_message(self._rx_sock.recv(flags=zmq.NOBLOCK, copy=True))
                    except zmq.Again:
                        break
                last = time.monotonic()
                continue
            now = time.monotonic()
            if not self._heard:
                if now - t_wait > self.timeout_s:
                    raise RadioError(f"no samples from {self.rx_endpoint} in {self.timeout_s:g} s; is "
                                    f"the flowgraph running, with its ZMQ sink bound there?")
                continue
            waited += now - t0
            if now - last > self.gap_s:   # the peer paused: silence, as a radio would hear
                self.rx_gaps += 1
                break
        self.idle_s += waited
        self._check_rate()
        if self._n_pending < n:   # interrupted or a gap: what there is, then silence
            out = np.zeros(n, np.complex64)
            got = self._concat()
            out[:got.size] = got[:n]
            self._pending.clear()
            self._n_pending = 0
            return out
        buf = self._concat()
        out, rest = buf[:n], buf[n:]
        self._pending = deque([rest]) if rest.size else deque()
        self._n_pending = rest.size
        return out.astype(np.complex64)

    def measured_rate(self) -> float | None:
        """Samples per second received since the first ones arrived (None before 1 s)."""
        if self._t_first is None or time.monotonic() - self._t_first < 1.0:
            return None
        return self.rx_samples / (time.monotonic() - self._t_first)

    def _check_rate(self, after_s: float = 3.0, tolerance: float = 0.2) -> None:
        """Once, for a receiver fed by a radio flowgraph (no transmit side here): warn when the
        stream's rate disagrees with the link's. Faster is always the peer's rate; slower only
        counts when this receiver spent its time waiting (else the reader is the bottleneck)."""
        if self._rate_checked or self._tx_sock is not None or self._t_first is None:
            return
        span = time.monotonic() - self._t_first
        if span < after_s:
            return
        self._rate_checked = True
        rate, want = self.rx_samples / span, float(self._settings["sample_rate"])
        slow = rate < (1 - tolerance) * want and self.idle_s > 0.5 * span
        if rate > (1 + tolerance) * want or slow:
            log.warning("the stream from %s arrives at about %.3g S/s; the link expects %.3g S/s "
                        "(set the flowgraph's samp_rate, or the link's sample_rate)", self.rx_endpoint, rate, want)

    def _concat(self) -> np.ndarray:
        if not self._pending:
            return np.zeros(0, np.complex64)
        return np.concatenate(self._pending) if len(self._pending) > 1 else self._pending[0]

    def interrupt(self) -> None:
        """Make a waiting ``rx()`` or ``tx()`` return now (a session stopping)."""
        self._interrupt.set()

    def _close(self) -> None:
        for sock in (self._tx_sock, self._rx_sock):
            if sock is not None:
                sock.close(linger=0)
        self._tx_sock = self._rx_sock = None

    def counters(self) -> dict[str, Any]:
        """What went through: samples and messages, overflows, the rate the link expects."""
        return {"tx_samples": self.tx_samples, "rx_samples": self.rx_samples,
                "rx_messages": self.rx_messages, "rx_overflows": self.rx_overflows, "rx_gaps": self.rx_gaps,
                "sample_rate": self._settings["sample_rate"], "sample_rate_measured": self.measured_rate(),
                "pattern": self.pattern}

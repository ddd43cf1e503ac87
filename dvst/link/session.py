"""LinkSession: the real-time pipeline around the codec and the radio.

    source ─► [q] ─► encoder+framer+modulator ─► tx device
    rx device ─► detector+demodulator+reassembler ─► [q] ─► decoder/concealer ─► sinks

Each arrow with [q] is a bounded queue between worker threads: a slow stage blocks the one
before it (back-pressure) instead of growing memory. The source is paced at its frame rate
(``pace=False`` runs as fast as the slowest stage, for benchmarks and tests). Either half may
be absent: ``dvst tx`` and ``dvst record`` run only the transmit half, ``dvst rx`` and
``dvst replay`` only the receive half, ``dvst loopback`` both.

The session is assembled from parts (``dvst.link.factory`` makes the real ones): a frame
source, a ``TxChain`` (encoder, framer, modem), a tx device with ``tx(samples)``, an rx
device with ``rx() -> complex64 [N]`` (an empty array means the end of a recording), an
``RxChain`` (modem, reassembler, decoder, concealment policy), and sinks.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from dvst.errors import DvstError
from dvst.eval.metrics import psnr_db
from dvst.frames import EncodedFrame
from dvst.link.concealment import CONCEAL, DECODE, ConcealmentPolicy, Decision
from dvst.link.features import CountsTraffic, Flushable, Interruptible, ReportsIdleTime
from dvst.link.framing import AssembledFrame, Reassembler, parse_link_header, split_frame
from dvst.link.sinks import LatestQueueSink, Sink, SummarySink
from dvst.link.stats import FrameStats
from foundation.errors import ProjectError

log = logging.getLogger(__name__)

_END = object()  # end-of-stream marker in the queues


@dataclass
class TxRecord:
    """What the transmitter sent for one frame (loopback uses it for air CBR and latency)."""

    index: int
    kind: str
    n_payload_symbols: int     # analog symbols + header symbols carrying the side info
    n_air_samples: int         # every complex sample sent: preamble .. guard
    n_bursts: int


class TxChain:
    """Encoder → framer → modem for one stream.

    encoder: ``.encode(frame uint8 [H,W,3], snr_db) -> EncodedFrame``.
    modem: ``.modulate(fragment, stream_id, snr_db) -> (samples complex64 [N], n_side_symbols)``
    where samples include the burst's guard gap, and ``.limits`` (FramerLimits); ``snr_db``
    (the SNR this chain is configured for) also picks the side information's MCS.
    """

    def __init__(self, encoder, modem, tag: int, stream_id: int, snr_db: float):
        self.encoder = encoder
        self.modem = modem
        self.tag = tag
        self.stream_id = stream_id
        self.snr_db = snr_db
        self._pending: tuple | None = None  # (encoder, tag), switched in at the next frame
        self.timing: dict[str, float] = {}  # seconds spent in each step on the last frame

    def switch_encoder(self, encoder, tag: int) -> None:
        """Use another encoder from the next frame on; it starts with an I-frame (it has no
        reference), where the receiver resynchronises."""
        self._pending = (encoder, tag)

    def send(self, index: int, frame: np.ndarray) -> tuple[EncodedFrame, list[np.ndarray], int]:
        """→ (encoded frame, burst sample arrays, complex symbols of the coded side info)."""
        if self._pending is not None:
            self.encoder, self.tag = self._pending
            self._pending = None
            if hasattr(self.encoder, "index"):
                self.encoder.index = index  # frame numbers continue across the switch
        t0 = time.perf_counter()
        enc = self.encoder.encode(frame, self.snr_db)
        t1 = time.perf_counter()
        if enc.index != index:
            raise DvstError(f"encoder numbered frame {index} as {enc.index}")
        bursts, n_head = [], 0
        for frag in split_frame(enc, self.modem.limits, self.tag):
            samples, h = self.modem.modulate(frag, self.stream_id, self.snr_db)
            bursts.append(samples)
            n_head += h
        self.timing = {"encode": t1 - t0, "frame+modulate": time.perf_counter() - t1}
        return enc, bursts, n_head


class RxChain:
    """Modem → reassembler → concealment policy → decoder, for the receive half.

    modem: ``.demodulate(buffer complex64 [N]) -> list[ReceivedFragment]`` (streaming) with a
    ``.bursts_failed`` counter. decoders: model tag → (model name, decoder) where a decoder
    has ``.decode(ReceivedFrame) -> uint8 [H,W,3]``.
    """

    def __init__(self, modem, decoders: dict[int, tuple[str, object]]):
        self.modem = modem
        self.decoders = dict(decoders)
        self.reassembler = Reassembler(expected_tag=None)  # checked here against ``decoders``
        self.policy = ConcealmentPolicy()
        self.last_good: np.ndarray | None = None
        self.model_name = ""
        self._tag: int | None = None
        self._warned: set = set()   # unknown model tags (and decoder failures) already reported

    def fragments(self, buffer: np.ndarray):
        return self.modem.demodulate(buffer)

    def decode(self, assembled: AssembledFrame) -> tuple[np.ndarray | None, str]:
        """Decode one complete frame with the decoder its model tag names."""
        tag = parse_link_header(assembled.fragments[0].header_bytes)[0]
        if tag not in self.decoders:
            if tag not in self._warned:
                self._warned.add(tag)
                known = ", ".join(f"{name} ({t:04x})" for t, (name, _) in self.decoders.items())
                log.warning("frames coded by a model this receiver does not have (tag %04x); it has %s: "
                            "give the receiver the transmitter's model", tag, known)
            return None, f"coded by an unknown model (tag {tag:04x})"
        name, decoder = self.decoders[tag]
        if assembled.kind == "P" and tag != self._tag:
            return None, "reference frame belongs to another model"
        try:
            img = decoder.decode(assembled.frame)
        except ProjectError as e:
            return None, str(e)
        except Exception as e:  # noqa: BLE001 - a live receiver conceals rather than dies
            if "decoder" not in self._warned:
                self._warned.add("decoder")
                log.warning("the decoder failed on frame %d (%s: %s); concealing (a bug: please report it)",
                            assembled.index, type(e).__name__, e)
            return None, f"decoder failed: {type(e).__name__}"
        self._tag, self.model_name = tag, name
        return img, ""


class RecentSamples:
    """The newest received samples (about ``capacity``), addressed by absolute stream index,
    to cut a snippet at a burst's start for the spectrum display."""

    def __init__(self, capacity: int = 1 << 17, snippet: int = 4096):
        self.capacity, self.n = capacity, snippet
        self._bufs: deque = deque()
        self._held = 0
        self.end = 0          # absolute index one past the newest sample

    def append(self, buf: np.ndarray) -> None:
        self._bufs.append(buf)
        self._held += len(buf)
        self.end += len(buf)
        while self._held - len(self._bufs[0]) >= self.capacity:
            self._held -= len(self._bufs.popleft())

    def snippet(self, start: int | None) -> np.ndarray:
        """complex64 [≤ snippet] from absolute ``start`` if still held, else the newest."""
        held = np.concatenate(self._bufs) if len(self._bufs) > 1 else self._bufs[0]
        first = self.end - len(held)
        if start is None or not first <= start < self.end:
            return np.asarray(held[-self.n:], np.complex64)
        return np.asarray(held[start - first: start - first + self.n], np.complex64)


@dataclass
class Transmitting:
    """The transmit side of a session: frames from ``source`` (a ``dvst.io`` FrameSource)
    through ``chain`` to ``device`` (``tx(samples)``; see ``dvst.link.features`` for what else
    a device may offer). pace: send at the source's frame rate (False: as fast as possible);
    encoder_threads: torch threads of the encoding thread (None: torch's default)."""

    source: object
    chain: TxChain
    device: object
    pace: bool = True
    encoder_threads: int | None = None


@dataclass
class Receiving:
    """The receive side: ``device`` (``rx() -> complex64 samples``, empty at the end of a
    recording) through ``chain``. reference: index → original frame (for PSNR), or None;
    decoder_threads: torch threads of the decoding thread; drain_buffers: buffers read after
    the transmitter is done before a quiet channel ends a loopback run."""

    chain: RxChain
    device: object
    reference: Callable[[int], np.ndarray | None] | None = None
    decoder_threads: int | None = None
    drain_buffers: int = 4


@dataclass
class SessionInfo:
    """What the statistics say about the link: the radio's name, its sample rate (S/s), the
    frame size (W, H) when known in advance, and the SNR the channel was set to (dB)."""

    device_name: str = ""
    sample_rate: float | None = None
    frame_size: tuple[int, int] | None = None
    snr_set_db: float | None = None


@dataclass
class SessionOptions:
    """How the session runs: stop after ``max_frames`` (None: the source's end), frames queued
    between threads, FrameStats kept for the GUI (oldest dropped), MS-SSIM per frame (slow),
    frames the displayed rate is averaged over."""

    max_frames: int | None = None
    queue_size: int = 4
    stats_queue_size: int = 64
    msssim: bool = False
    fps_window: int = 25


@dataclass
class LiveControls:
    """What can change while the session runs: ``channel(snr_db=, cfo_ppm=, sfo_ppm=,
    multipath=)`` (loopback), ``target(model=, cbr=)``, and ``recorder(path)`` which opens a
    SigMF recorder of the session's samples. None: not offered."""

    channel: Callable[..., None] | None = None
    target: Callable[..., None] | None = None
    recorder: Callable[[str], object] | None = None


class LinkSession:
    """The streaming pipeline; see the module docstring.

    Public API (used by the CLI and the GUI): ``start()``, ``stop()`` (joins every thread),
    ``wait(timeout=None)`` (until the stream ends), ``stats`` (bounded queue of FrameStats,
    oldest dropped), ``summary()`` (the JSON figures), live controls ``set_channel(...)``
    (loopback), ``set_target(model=None, cbr=None)``, ``start_recording(path)`` /
    ``stop_recording()``.
    """

    def __init__(self, tx: Transmitting | None = None, rx: Receiving | None = None, *,
                 sinks: Iterable[Sink] = (), info: SessionInfo | None = None,
                 options: SessionOptions | None = None, controls: LiveControls | None = None,
                 closers: Iterable[Callable[[], None]] = ()):
        if tx is None and rx is None:
            raise DvstError("a link session needs a transmitter, a receiver, or both")
        info, options, controls = info or SessionInfo(), options or SessionOptions(), controls or LiveControls()
        self.source = tx.source if tx else None
        self.tx, self.tx_device = (tx.chain, tx.device) if tx else (None, None)
        self.rx, self.rx_device = (rx.chain, rx.device) if rx else (None, None)
        self._rx_reports_idle = isinstance(self.rx_device, ReportsIdleTime)  # once, not per buffer
        self.pace, self.max_frames = (tx.pace if tx else True), options.max_frames
        self.snr_set_db = info.snr_set_db
        self.reference = rx.reference if rx else None
        self.device_name = info.device_name
        self.sample_rate = info.sample_rate
        self.frame_size = info.frame_size        # (W, H) when known in advance
        self.msssim = options.msssim
        self._channel_control = controls.channel
        self._target_control = controls.target
        self._recorder_factory = controls.recorder
        self._recorder = None
        self._rec_lock = threading.Lock()
        self.rx_drain_buffers = rx.drain_buffers if rx else 4
        self._closers = list(closers)   # release devices after the threads have stopped
        # torch intra-op threads of the encoder and decoder threads (None: torch's default).
        # OpenMP's setting is per thread, so each stage gets its own.
        self.encoder_threads = tx.encoder_threads if tx else None
        self.decoder_threads = rx.decoder_threads if rx else None
        queue_size, stats_queue_size, fps_window = options.queue_size, options.stats_queue_size, options.fps_window
        self._emitted = 0

        self.stats: queue.Queue = queue.Queue(maxsize=stats_queue_size)
        self.summary_sink = SummarySink()
        self.sinks: list[Sink] = [self.summary_sink, LatestQueueSink(self.stats), *sinks]
        self._q_frames: queue.Queue = queue.Queue(maxsize=queue_size)
        self._q_assembled: queue.Queue = queue.Queue(maxsize=queue_size)
        self._stop = threading.Event()
        self._stopped = False
        self._tx_done = threading.Event()
        self._threads: list[threading.Thread] = []
        self._errors: list[BaseException] = []
        self._captures: dict[int, tuple[np.ndarray, float]] = {}   # loopback: originals by index
        self.tx_log: dict[int, TxRecord] = {}   # loopback: frames sent, until the receiver emits them
        self._sent_totals = [0, 0, 0]            # frames, payload symbols, air samples
        self.frames_sent = 0
        self.frames_concealed = 0
        self.frames_waiting = 0       # heard of before the first I-frame: nothing to show yet
        self._emit_times: deque = deque(maxlen=fps_window)
        self.stage_seconds: dict[str, float] = {}
        self._stage_lock = threading.Lock()
        self._t_start: float | None = None
        self._t_end: float | None = None
        self.rx_samples = 0

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> LinkSession:
        if self._t_start is not None:
            raise DvstError("a link session runs once; build a new one to run again")
        self._t_start = time.perf_counter()
        if self.tx is not None:
            self._spawn("source", self._source_loop)
            self._spawn("transmitter", self._tx_loop)
        else:
            self._tx_done.set()
        if self.rx is not None:
            self._spawn("receiver", self._rx_loop)
            self._spawn("decoder", self._decode_loop)
        return self

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every worker has finished (True) or ``timeout`` passed (False)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for t in self._threads:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            t.join(left)
            if t.is_alive():
                return False
        return True

    def own(self, close: Callable[[], None]) -> None:
        """Close something the session depends on (a device) when it stops, after its threads."""
        self._closers.append(close)

    def __enter__(self) -> LinkSession:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _idle_s(self) -> float:
        return self.rx_device.idle_s if self._rx_reports_idle else 0.0

    def stop(self) -> None:
        """Ask every worker to finish, join them, close sinks and devices; re-raise a worker's
        error. Calling it again does nothing."""
        if self._stopped:
            return
        self._stopped = True
        self._stop.set()
        for dev in (self.rx_device, self.tx_device):
            if isinstance(dev, Interruptible):
                dev.interrupt()  # a device waiting for samples returns now
        for q in (self._q_frames, self._q_assembled):  # unblock producers waiting on a full queue
            try:
                while True:
                    q.get_nowait()
            except queue.Empty:
                pass
        for t in self._threads:
            t.join()
        self._t_end = self._t_end or time.perf_counter()
        self.stop_recording()
        first: BaseException | None = None
        for close in self._closers:
            try:
                close()
            except BaseException as e:  # noqa: BLE001
                first = first or e
        self._closers = []
        for s in self.sinks:
            try:
                s.close()
            except BaseException as e:  # noqa: BLE001 - reported below, after every sink closed
                first = first or e
        errors = self._errors + ([first] if first else [])
        if errors:
            raise errors[0]

    def run(self, timeout: float | None = None) -> dict:
        """start(), wait until the stream ends (or Ctrl-C), stop(); → summary()."""
        self.start()
        try:
            while not self.wait(0.2):
                if self.failed:
                    break
                if timeout is not None and time.perf_counter() - self._t_start > timeout:
                    break
        finally:
            self.stop()
        return self.summary()

    @property
    def failed(self) -> bool:
        """True once a worker raised (``stop()`` re-raises the first error)."""
        return bool(self._errors)

    def tx_finished(self) -> bool:
        """True once the transmit half has sent its last frame (or there is none)."""
        return self._tx_done.is_set()

    def summary(self) -> dict:
        elapsed = ((self._t_end or time.perf_counter()) - self._t_start) if self._t_start else None
        extra = {"frames_waiting": self.frames_waiting,
                 "bursts_failed": getattr(self.rx.modem, "bursts_failed", None) if self.rx else None,
                 "device": self.device_name, "snr_set_db": self.snr_set_db,
                 "stage_seconds": dict(self.stage_seconds), "elapsed_s": elapsed}
        if self._sent_totals[0] and self.frame_size:
            pixels = self.frame_size[0] * self.frame_size[1] * 3
            n, payload, air = self._sent_totals
            extra["payload_cbr_sent"] = payload / n / pixels
            extra["air_cbr_sent"] = air / n / pixels
        counters = self.rx_device.counters if isinstance(self.rx_device, CountsTraffic) else None
        if callable(counters):
            extra["radio"] = counters()
        if self.tx is not None and self.rx is not None:  # loopback: sent, neither shown nor concealed
            extra["frames_in_flight"] = max(0, self.frames_sent - self.summary_sink.count
                                            - self.frames_waiting)
        out = self.summary_sink.summary(self.frames_sent if self.tx is not None else None, elapsed, extra)
        if self.rx is None and "payload_cbr_sent" in extra:  # a transmitter alone: what it sent
            out["payload_cbr"], out["air_cbr"] = extra["payload_cbr_sent"], extra["air_cbr_sent"]
        return out

    def _spawn(self, name: str, fn) -> None:
        def guarded():
            try:
                fn()
            except BaseException as e:  # noqa: BLE001 - handed to the caller in stop()
                self._errors.append(e)
                self._stop.set()
        t = threading.Thread(target=guarded, name=f"link-{name}", daemon=True)
        self._threads.append(t)
        t.start()

    def _timed(self, stage: str, t0: float) -> None:
        with self._stage_lock:
            self.stage_seconds[stage] = self.stage_seconds.get(stage, 0.0) + time.perf_counter() - t0

    def _put(self, q: queue.Queue, item) -> bool:
        """Blocking put that gives up when the session stops; False if it gave up."""
        while not self._stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _get(self, q: queue.Queue):
        while not self._stop.is_set():
            try:
                return q.get(timeout=0.1)
            except queue.Empty:
                continue
        return _END

    # ------------------------------------------------------------------ live controls
    def set_channel(self, **kw) -> None:
        """Loopback only: change the simulated channel (snr_db, cfo_ppm, sfo_ppm, multipath)."""
        if self._channel_control is None:
            raise DvstError("set_channel works in loopback only")
        self._channel_control(**kw)
        if kw.get("snr_db") is not None:
            self.snr_set_db = float(kw["snr_db"])
            if self.tx is not None:
                self.tx.snr_db = self.snr_set_db

    def set_target(self, model: str | None = None, cbr: float | None = None) -> None:
        """Switch model and/or target CBR; takes effect at the next I-frame."""
        if self._target_control is None:
            raise DvstError("this session cannot change its model")
        self._target_control(model=model, cbr=cbr)

    def start_recording(self, path: str) -> None:
        """Record the received samples (or, without a receiver, the transmitted ones) as SigMF."""
        if self._recorder_factory is None:
            raise DvstError("this session cannot record")
        with self._rec_lock:
            if self._recorder is not None:
                self._recorder.close()
            self._recorder = self._recorder_factory(path)

    def stop_recording(self) -> None:
        with self._rec_lock:
            if self._recorder is not None:
                self._recorder.close()
                self._recorder = None

    def _record(self, samples: np.ndarray) -> None:
        with self._rec_lock:
            if self._recorder is not None:
                self._recorder.record(samples)

    # ------------------------------------------------------------------ transmit half
    def _source_loop(self) -> None:
        fps = float(getattr(self.source, "fps", 25.0) or 25.0)
        t0 = time.perf_counter()
        it = iter(self.source)
        i = 0
        while not self._stop.is_set() and (self.max_frames is None or i < self.max_frames):
            ts = time.perf_counter()
            frame = next(it, None)
            self._timed("source", ts)
            if frame is None:
                break
            if self.pace:
                delay = t0 + i / fps - time.perf_counter()
                if delay > 0:
                    self._stop.wait(delay)
            t_cap = time.perf_counter()
            if self.frame_size is None:
                self.frame_size = (frame.shape[1], frame.shape[0])
            if self.rx is not None:
                self._captures[i] = (frame, t_cap)
            if not self._put(self._q_frames, (i, frame)):
                return
            i += 1
        self._put(self._q_frames, _END)

    def _tx_loop(self) -> None:
        _torch_threads(self.encoder_threads)
        try:
            while (item := self._get(self._q_frames)) is not _END:
                index, frame = item
                enc, bursts, n_head = self.tx.send(index, frame)
                with self._stage_lock:
                    for k, v in self.tx.timing.items():
                        self.stage_seconds[k] = self.stage_seconds.get(k, 0.0) + v
                samples = np.concatenate(bursts) if len(bursts) > 1 else bursts[0]
                rec = TxRecord(index, enc.kind, enc.symbols.size + n_head, samples.size, len(bursts))
                self._sent_totals = [self._sent_totals[0] + 1, self._sent_totals[1] + rec.n_payload_symbols,
                                     self._sent_totals[2] + rec.n_air_samples]
                if self.rx is not None:
                    self.tx_log[index] = rec
                t0 = time.perf_counter()
                self.tx_device.tx(samples)
                if self.rx is None:
                    self._record(samples)
                self._timed("device tx", t0)
                self.frames_sent = index + 1
                # the encoder's simulated decode of this frame (eq. 2) only serves the next
                # frame: run it now, after the bursts are on air, not before they leave
                finish = getattr(self.tx.encoder, "finish_reference", None)
                if finish is not None:
                    t0 = time.perf_counter()
                    finish()
                    self._timed("encode", t0)
            flush = self.tx_device.flush if isinstance(self.tx_device, Flushable) else None
            if flush is not None:
                flush()
        finally:
            self._tx_done.set()

    # ------------------------------------------------------------------ receive half
    def _rx_loop(self) -> None:
        idle, last_index = 0, -1
        recent = RecentSamples()
        try:
            while not self._stop.is_set():
                t0, idle0 = time.perf_counter(), self._idle_s()
                buf = self.rx_device.rx()
                # a device may report time it spent waiting for a transmitter: not work
                self._timed("device rx", t0 + self._idle_s() - idle0)
                if buf is None or len(buf) == 0:
                    break  # the end of a recording
                self.rx_samples += len(buf)
                recent.append(buf)
                self._record(buf)
                t0 = time.perf_counter()
                frags = self.rx.fragments(buf)
                self._timed("sync+demodulate", t0)
                for frag in frags:
                    # the GUI's spectrum: samples from the burst's start (else the newest ones)
                    if frag.phy.rx_snippet is None:
                        frag.phy.rx_snippet = recent.snippet(frag.phy.timing)
                    for a in self.rx.reassembler.push(frag):
                        if not self._put(self._q_assembled, a):
                            return
                if frags:
                    last_index = frags[-1].frame_index
                if self._tx_done.is_set() and self.tx is not None:
                    # loopback: stop once the last frame is in, or the channel stays quiet
                    idle = 0 if frags else idle + 1
                    done = last_index >= self.frames_sent - 1 and not self.rx.reassembler.pending
                    if done or idle >= self.rx_drain_buffers:
                        break
            for a in self.rx.reassembler.flush():
                self._put(self._q_assembled, a)
        finally:
            self._put(self._q_assembled, _END)

    def _decode_loop(self) -> None:
        _torch_threads(self.decoder_threads)
        while (a := self._get(self._q_assembled)) is not _END:
            t0, dec0 = time.perf_counter(), self.stage_seconds.get("decode", 0.0)
            for d in self.rx.policy.on_frame(a.stream_id, a.index, a.kind, a.complete):
                self._handle(d, a if d.index == a.index else None)
            # everything but the decoder itself: reassembly decisions, metrics, sinks
            self._timed("metrics+sinks", t0 + self.stage_seconds.get("decode", 0.0) - dec0)
        if self.tx is not None and not self._stop.is_set():
            for d in self.rx.policy.finish(self.frames_sent):
                self._handle(d, None)

    def _handle(self, d: Decision, a: AssembledFrame | None) -> None:
        img, reason = None, d.reason
        if d.action == DECODE:
            t0 = time.perf_counter()
            img, reason = self.rx.decode(a)
            self._timed("decode", t0)
            if img is None:
                d = self.rx.policy.failed(d.index, d.kind, reason)
            else:
                self.rx.policy.decoded(d.index)
                self.rx.last_good = img
        if img is None and d.action == CONCEAL and self.rx.last_good is not None:
            img = self.rx.last_good
            self.frames_concealed += 1
            status = "concealed"
        elif img is not None:
            status = "decoded"
        else:
            self.frames_waiting += 1
            self._captures.pop(d.index, None)
            self.tx_log.pop(d.index, None)
            return
        self._emit(d, a, img, status, reason)

    def _emit(self, d: Decision, a: AssembledFrame | None, img: np.ndarray, status: str, reason: str) -> None:
        now = time.perf_counter()
        cap = self._captures.pop(d.index, None)
        for k in [k for k in self._captures if k < d.index - 64]:  # frames the receiver never saw
            self._captures.pop(k, None)
            self.tx_log.pop(k, None)
        original = cap[0] if cap else (self.reference(d.index) if self.reference else None)
        self._emit_times.append(now)
        fps = None
        if len(self._emit_times) >= 2:
            span = self._emit_times[-1] - self._emit_times[0]
            fps = (len(self._emit_times) - 1) / span if span > 0 else None
        h, w = img.shape[:2]
        pixels = h * w * 3
        rec = self.tx_log.pop(d.index, None)
        st = FrameStats(index=d.index, kind=d.kind or (rec.kind if rec else "P"), status=status,
                        reconstruction=img, original=original, snr_set_db=self.snr_set_db,
                        latency_ms=(now - cap[1]) * 1e3 if cap else None, fps=fps,
                        sample_rate=self.sample_rate, device=self.device_name,
                        model=self.rx.model_name, frames_concealed=self.frames_concealed,
                        reason=reason)
        if original is not None and original.shape == img.shape:
            st.psnr_db = psnr_db(original, img)
            if self.msssim:
                from dvst.eval.metrics import msssim_db

                st.msssim_db = msssim_db(original, img)
        if a is not None and a.fragments:
            frags = a.fragments
            st.n_bursts = len(frags)
            phy = frags[0].phy
            snrs = [f.snr_db for f in frags if np.isfinite(f.snr_db)]
            st.snr_measured_db = a.frame.snr_db if a.frame is not None else (float(np.mean(snrs)) if snrs else None)
            st.cfo_hz, st.sfo_ppm, st.timing = phy.cfo_hz, phy.sfo_ppm, phy.timing
            st.constellation = phy.constellation
            st.channel_mag = phy.channel_mag
            st.rx_snippet = phy.rx_snippet
            air = sum(f.phy.n_air_samples for f in frags)
            head = sum(f.phy.n_header_symbols for f in frags)
            if a.frame is not None:
                st.payload_cbr = (a.frame.symbols.size + head) / pixels
            if air and status == "decoded":
                st.air_cbr = air / pixels
        if rec is not None:  # loopback: the transmitter's own count is exact
            st.payload_cbr = rec.n_payload_symbols / pixels
            st.air_cbr = rec.n_air_samples / pixels
            st.n_bursts = rec.n_bursts
        for s in self.sinks:
            s.put(st)
        self._emitted += 1
        if self.tx is None and self.max_frames and self._emitted >= self.max_frames:
            self._stop.set()  # a receiver alone stops after max_frames frames


def _torch_threads(n: int | None) -> None:
    """Set torch's intra-op threads for the calling thread only (OpenMP ICVs are per thread)."""
    if n:
        import torch

        torch.set_num_threads(int(n))

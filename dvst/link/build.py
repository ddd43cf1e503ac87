"""Assemble LinkSessions from the real parts: the codec (dvst.codec, dvst.zoo), the PHY
(radio.transmitter / radio.receiver) and the devices (radio.devices).

Every ``*_session`` function returns a LinkSession that has not been started.
"""

from __future__ import annotations

import dataclasses

import secrets
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dvst.errors import DvstError
from dvst.link.config import LinkConfig
from dvst.link.framing import FramerLimits, ReceivedFragment, model_tag
from dvst.link.session import LinkSession, RxChain, TxChain
from radio.devices.base import Device  # numpy only: the device interface, not a back-end

CONSTELLATION_POINTS = 2000   # per kind, what the GUI draws


# ---------------------------------------------------------------------------------- codec
@dataclass
class Codec:
    """A loaded model and how to use it: name (for FrameStats), eta (None: the model's own),
    fingerprint (config and weights), tag (its 16-bit form in every burst)."""

    model: object
    name: str
    eta: float | None
    fingerprint: str

    @property
    def tag(self) -> int:
        return model_tag(self.fingerprint)

    def encoder(self, gop: int):
        from dvst.codec import VideoEncoder

        return VideoEncoder(self.model, gop=gop, eta=self.eta)

    def decoder(self):
        from dvst.codec import VideoDecoder

        return VideoDecoder(self.model)


def weights_fingerprint(model) -> str:
    """Model config fingerprint and a CRC-32 of every parameter and buffer."""
    crc = 0
    for name, t in sorted(model.state_dict().items()):
        crc = zlib.crc32(name.encode(), crc)
        crc = zlib.crc32(t.detach().cpu().contiguous().numpy().tobytes(), crc)
    cfg = getattr(model, "config", None)
    head = f"{cfg.fingerprint():08x}" if cfg is not None and hasattr(cfg, "fingerprint") else "nocfg"
    return f"{head}:{crc:08x}"


def _zoo():
    try:
        import dvst.zoo as zoo
    except ImportError:
        return None
    return zoo


def load_codec(model: str | None = None, cbr: float | None = None, seed: int = 0,
               channel: str = "awgn") -> Codec:
    """The model a session uses.

    model: a zoo name (``dvst.zoo.list_models()``), a checkpoint file, or a model config name
    or YAML (``small``, ``paper``: an untrained model with weights drawn from ``seed`` — only
    useful for tests and timing). None: the zoo's default shipped model; with no shipped
    weights yet, the untrained ``small`` model, with a warning.
    cbr: a target payload CBR; the zoo picks the model (one trained for ``channel`` when
    shipped) and the eta that meet it.
    """
    import torch

    zoo = _zoo()
    shipped = [e.name for e in zoo.list_models()] if zoo is not None else []
    eta = None
    if cbr is not None:
        if not shipped:
            raise DvstError("--cbr needs a shipped model (dvst/zoo); none is installed")
        if model is not None and model in shipped:
            eta = zoo.eta_for_cbr(zoo.get_entry(model), cbr)
            if eta is None:
                raise DvstError(f"model {model} cannot reach CBR {cbr:g}")
        elif model is not None:
            raise DvstError(f"--cbr tunes a shipped model ({', '.join(shipped)}); {model!r} is not one")
        else:
            entry, eta = zoo.pick_for_cbr(cbr, channel=channel)
            model = entry.name
    if model is not None and Path(model).suffix in (".pt", ".pth"):
        if not Path(model).is_file():
            raise DvstError(f"model checkpoint not found: {model}")
        from dvst.codec.checkpoint import load

        net = load(model)
        name = Path(model).stem
    elif model in shipped or (model is None and shipped):
        name = model or zoo.default_name()
        net = zoo.load_model(name)
    elif model is None or _is_model_config(model):
        from dvst.codec import DVSTModel, load_model_config

        cfg = load_model_config(model or "small")
        if model is None:
            print("dvst: warning: no shipped model weights yet; using the untrained 'small' model",
                  file=sys.stderr)
        with torch.random.fork_rng():   # seeded weights without touching the caller's RNG
            torch.manual_seed(seed)
            net = DVSTModel(cfg)
        name = f"{cfg.name} (untrained, seed {seed})"
    else:
        raise DvstError(f"unknown model {model!r}: not a shipped model ({', '.join(shipped) or 'none'}), "
                        f"a .pt checkpoint or a model config (small, paper)")
    net.eval()
    return Codec(net, name, eta, weights_fingerprint(net))


def _is_model_config(name: str) -> bool:
    from dvst.config import config_root

    p = Path(name)
    return p.suffix in (".yaml", ".yml") or (config_root() / "models" / f"{name}.yaml").is_file()


# ---------------------------------------------------------------------------------- PHY
class PhyModem:
    """Fragments ↔ radio bursts through ``radio.transmitter`` / ``radio.receiver``.

    The transmitter side is ``modulate(fragment, stream_id) -> (samples, n_header_symbols)``;
    the receiver side is streaming: ``demodulate(buffer) -> list[ReceivedFragment]``; bursts
    whose header failed are counted in ``bursts_failed``.
    """

    def __init__(self, profile, max_burst_symbols: int = 1 << 20):
        self.profile = profile
        self.limits = FramerLimits(min(profile.max_payload_symbols, max_burst_symbols),
                                   profile.max_side_info_bytes)
        self._tx = None
        self._rx = None
        self.bursts_failed = 0
        self.bursts_ok = 0

    @property
    def transmitter(self):
        if self._tx is None:
            from radio.transmitter import Transmitter

            self._tx = Transmitter(self.profile)
        return self._tx

    @property
    def receiver(self):
        if self._rx is None:
            from radio.receiver import Receiver

            self._rx = Receiver(self.profile)
        return self._rx

    def modulate(self, frag, stream_id: int) -> tuple[np.ndarray, int]:
        from radio.transmitter import BurstHeader

        payload = frag.payload
        rms = float(np.sqrt(np.mean(np.abs(payload) ** 2))) if payload.size else 0.0
        scale = rms if rms > 1e-6 else 1.0   # each burst at the profile's level; the receiver scales back
        header = BurstHeader(stream_id=stream_id, frame_index=frag.frame_index, frame_kind=frag.kind,
                             fragment=frag.fragment, n_fragments=frag.n_fragments,
                             payload_len=int(payload.size), power_scale=scale,
                             side_info=frag.header_bytes)
        samples = self.transmitter.modulate(header, payload / np.float32(scale))
        return samples, self.side_symbols(len(frag.header_bytes))

    def side_symbols(self, side_len: int) -> int:
        """Complex symbols the coded side information occupies (whole OFDM symbols)."""
        return int(self.transmitter.header_codec.n_side_symbols(side_len) * self.profile.n_data)

    def demodulate(self, buffer: np.ndarray) -> list[ReceivedFragment]:
        out = []
        for b in self.receiver.process(buffer):
            h = b.header
            if h is None:
                self.bursts_failed += 1
                continue
            self.bursts_ok += 1
            meta = {"cfo_hz": _f(getattr(b, "cfo_hz", None)), "sfo_ppm": _f(getattr(b, "sfo_ppm", None)),
                    "timing": getattr(b, "timing", None), "channel_mag": getattr(b, "channel_mag", None),
                    "constellation": _constellation(b),
                    "n_air_samples": self.transmitter.burst_length(int(h.payload_len), len(h.side_info or b"")),
                    "n_header_symbols": self.side_symbols(len(h.side_info or b""))}
            # the transmitter divided the payload by power_scale; undo it on symbols and noise
            scale = np.float32(h.power_scale)
            side = b"" if h.side_info is None else bytes(h.side_info)  # b"": side info CRC failed
            out.append(ReceivedFragment(int(h.stream_id), int(h.frame_index), str(h.frame_kind),
                                        int(h.fragment), int(h.n_fragments), side,
                                        np.asarray(b.symbols, np.complex64) * scale,
                                        np.asarray(b.noise_var, np.float32) * scale * scale,
                                        float(b.snr_db), meta))
        return out


def _f(v):
    return None if v is None else float(v)


def _constellation(burst) -> dict:
    """At most CONSTELLATION_POINTS equalised points of each kind, evenly thinned."""
    out = {}
    for kind, pts in (("payload", burst.symbols), ("pilots", burst.pilots), ("header", burst.header_points)):
        pts = np.asarray(pts, np.complex64).reshape(-1)
        if pts.size > CONSTELLATION_POINTS:
            pts = pts[:: -(-pts.size // CONSTELLATION_POINTS)]
        out[kind] = pts
    return out


def load_radio_profile(cfg: LinkConfig):
    from radio.profile import load_profile

    over = {}
    if cfg.sample_rate is not None:
        over["sample_rate"] = cfg.sample_rate
    if cfg.lo_hz is not None:
        over["center_freq"] = cfg.lo_hz
    if cfg.tx_gain_db is not None:
        over["tx_gain_db"] = cfg.tx_gain_db
    if cfg.rx_gain_db is not None:
        over["rx_gain_db"] = cfg.rx_gain_db
    return load_profile(cfg.radio, **over)


def new_stream_id() -> int:
    return secrets.randbelow(1 << 16)


def _source(cfg: LinkConfig, input_spec):
    from dvst.io.video import open_source

    return open_source(input_spec, size=cfg.size, max_frames=cfg.frames)


def reference_frames(spec, cfg: LinkConfig):
    """A callable index → original frame (or None), reading the reference video once."""
    if spec is None:
        return None
    from dvst.io.video import read_frames

    frames = read_frames(spec, size=cfg.size, max_frames=cfg.frames)
    return lambda i: frames[i] if 0 <= i < len(frames) else None


# ---------------------------------------------------------------------------------- sessions
def channel_config(cfg: LinkConfig, profile):
    from radio.channel import ChannelConfig

    over = {"snr_db": cfg.snr_db}
    if cfg.cfo_ppm is not None:
        over["cfo_hz"] = cfg.cfo_ppm * 1e-6 * profile.center_freq
    if cfg.sfo_ppm is not None:
        over["sfo_ppm"] = cfg.sfo_ppm
    return ChannelConfig.for_profile(profile, cfg.channel, **over)


def loopback_session(cfg: LinkConfig, input_spec=None, sinks=(), codec: Codec | None = None) -> LinkSession:
    """Source → codec → PHY → simulated pair of Plutos → PHY → codec → sinks."""
    from radio.devices import loopback_pair

    profile = load_radio_profile(cfg)
    source = _source(cfg, input_spec)
    codec = codec or load_codec(cfg.model, cfg.cbr, cfg.seed)
    chan = channel_config(cfg, profile)
    tx_dev, rx_dev = loopback_pair(chan, cfg.seed)
    tx_dev.configure(profile)
    rx_dev.configure(profile)
    modem_tx = PhyModem(profile, cfg.max_burst_symbols)
    modem_rx = PhyModem(profile, cfg.max_burst_symbols)
    tx = TxChain(codec.encoder(cfg.gop), modem_tx, codec.tag, new_stream_id(), cfg.snr_db)
    rx = RxChain(modem_rx, {codec.tag: (codec.name, codec.decoder())})
    state = {"chan": chan}

    def channel_control(snr_db=None, cfo_ppm=None, sfo_ppm=None, multipath=None):
        over = {}
        if snr_db is not None:
            over["snr_db"] = float(snr_db)
        if cfo_ppm is not None:
            over["cfo_hz"] = float(cfo_ppm) * 1e-6 * profile.center_freq
        if sfo_ppm is not None:
            over["sfo_ppm"] = float(sfo_ppm)
        if multipath is not None:
            over["multipath"] = ("indoor_b" if multipath is True else multipath) if multipath else None
        state["chan"] = state["chan"].replace(**over)
        set_loopback_channel(tx_dev, state["chan"])

    def target_control(model=None, cbr=None):
        new = load_codec(model or cfg.model, cbr, cfg.seed)
        if new.tag not in rx.decoders:  # frames still in flight keep their own decoder
            rx.decoders[new.tag] = (new.name, new.decoder())
        tx.switch_encoder(new.encoder(cfg.gop), new.tag)

    if cfg.loopback_buffer:
        rx_dev.rx_buffer_size = cfg.loopback_buffer
    gate = GatedRx(rx_dev, tx_dev.air_out)
    session = LinkSession(source=source, tx=tx, tx_device=tx_dev, rx=rx, rx_device=gate, sinks=sinks,
                          encoder_threads=cfg.encoder_threads, decoder_threads=cfg.decoder_threads,
                          pace=cfg.pace, max_frames=cfg.frames, queue_size=cfg.queue_size,
                          snr_set_db=cfg.snr_db, device_name=f"loopback ({chan.name})",
                          sample_rate=profile.sample_rate, frame_size=(source.width, source.height),
                          msssim=cfg.msssim, channel_control=channel_control,
                          target_control=target_control, recorder_factory=_recorder(profile, "rx"),
                          closers=[tx_dev.close, rx_dev.close], rx_drain_buffers=16)
    gate.finished = session.tx_finished
    return session


def set_loopback_channel(tx_dev, chan) -> None:
    """Swap the simulator's scenario while streaming (SNR, offsets, multipath): the link's
    ``Air`` gets a new LoopbackChannel (same seed); the receiver resynchronises per burst."""
    from radio.channel import LoopbackChannel

    air = tx_dev.air_out
    channel = LoopbackChannel(chan, air.seed)
    air.config, air.channel = chan, channel


class GatedRx:
    """The loopback receiver, pulling only while something is on air (plus ``tail`` buffers
    to finish a burst that straddles a buffer edge). Without the gate the simulator would
    make and search noise as fast as the CPU allows; a real Pluto delivers it at the sample
    rate, which ``realtime`` loopback reproduces instead.
    """

    def __init__(self, rx_dev, air, tail: int = 1, poll_s: float = 0.002):
        self.dev, self.air, self.tail, self.poll_s = rx_dev, air, tail, poll_s
        self._left = 0
        self._interrupted = False
        self.idle_s = 0.0   # time spent waiting for the transmitter, not receiving
        self.finished = lambda: False   # set by the session's owner: the transmitter is done

    def rx(self) -> np.ndarray:
        """The next buffer; an empty array once the transmitter is done and the air is quiet."""
        import time

        while not self._interrupted:
            if self.air.in_flight != 0:
                self._left = self.tail
                return self.dev.rx()
            if self._left > 0:
                self._left -= 1
                return self.dev.rx()
            if self.finished():
                break
            t0 = time.perf_counter()
            time.sleep(self.poll_s)
            self.idle_s += time.perf_counter() - t0
        return np.zeros(0, np.complex64)

    def interrupt(self) -> None:
        """Make a waiting rx() return (the session is stopping)."""
        self._interrupted = True


class RxTap(Device):
    """Hands a buffer the session already received to a SigMF recorder as its ``source``."""

    kind = "link receiver"

    def __init__(self, profile):
        super().__init__()
        self.next = np.zeros(0, np.complex64)
        self._s: dict = {}
        self.configure(profile)

    def _get(self, name):
        return self._s[name]

    def _set(self, name, value):
        self._s[name] = value

    def _tx(self, samples, cyclic):
        raise DvstError("the receive tap cannot transmit")

    def _tx_destroy(self):
        pass

    def _rx(self):
        return self.next


class SigMFRecorder:
    """Records what the session sends (``direction="tx"``: one annotation per frame) or what it
    receives (``"rx"``) into a SigMF recording; ``record(samples)``, ``close()``."""

    def __init__(self, path, profile, direction: str, description: str = ""):
        from radio.devices import SigMFDevice

        self.direction = direction
        if direction == "rx":
            self._tap = RxTap(profile)
            self.dev = SigMFDevice(path, mode="record", source=self._tap, description=description)
        else:
            self.dev = SigMFDevice(path, mode="record", description=description)
            self.dev.configure(profile)

    def record(self, samples: np.ndarray) -> None:
        if self.direction == "rx":
            self._tap.next = samples
            self.dev.rx()
        else:
            self.dev.tx(samples)

    # a recorder can stand in for a transmitting device (dvst record)
    def tx(self, samples: np.ndarray) -> None:
        self.record(samples)

    def close(self) -> None:
        self.dev.close()


def _recorder(profile, direction: str):
    return lambda path: SigMFRecorder(path, profile, direction)


class ReplayDevice:
    """A SigMF recording as the session's receiving device: an empty buffer at its end."""

    def __init__(self, path, profile=None):
        from radio.devices import SigMFDevice

        self.dev = SigMFDevice(path, mode="replay")
        if profile is not None:
            self.dev.rx_buffer_size = profile.rx_buffer_size
        self.sample_rate = float(self.dev.sample_rate)

    def rx(self) -> np.ndarray:
        if self.dev.remaining == 0:
            return np.zeros(0, np.complex64)
        return self.dev.rx()

    def close(self) -> None:
        self.dev.close()


def open_radio(cfg: LinkConfig, uri: str | None, profile, transmit: bool, receive: bool):
    """The link's radio: a PlutoDevice (``open_pluto``), or for ``cfg.device == "zmq"`` a
    ZmqDevice on ``cfg.tx_endpoint`` (when ``transmit``) and ``cfg.rx_endpoint`` (when
    ``receive``), configured with the profile's settings (the rate the link expects: the
    flowgraph must run at it)."""
    if cfg.device != "zmq":
        return open_pluto(cfg, uri, profile)
    from radio.devices import open_device

    need = [name for name, want, have in (("--tx-endpoint", transmit, cfg.tx_endpoint),
                                          ("--rx-endpoint", receive, cfg.rx_endpoint)) if want and not have]
    if need:
        raise DvstError(f"the zmq device needs {' and '.join(need)} (e.g. tcp://127.0.0.1:5555)")
    return open_device("zmq", profile=profile, tx_endpoint=cfg.tx_endpoint if transmit else None,
                       rx_endpoint=cfg.rx_endpoint if receive else None, pattern=cfg.zmq_pattern)


def radio_name(cfg: LinkConfig, uri: str | None, profile) -> str:
    """How a run names its radio, with the sample rate the flowgraph must run at for zmq."""
    if cfg.device == "zmq":
        ends = " ".join(e for e in (cfg.tx_endpoint and f"tx {cfg.tx_endpoint}",
                                    cfg.rx_endpoint and f"rx {cfg.rx_endpoint}") if e)
        return f"zmq {ends} at {profile.sample_rate:g} S/s"
    return f"{cfg.device} {uri}"


def open_pluto(cfg: LinkConfig, uri: str | None, profile):
    """A configured PlutoDevice at ``uri`` (a missing library or board is a one-line DvstError).

    ``cfg.device == "fake-pluto"``: the same PlutoDevice driving a simulated ``adi.Pluto``
    whose TX is cabled to its RX through ``cfg.channel`` (tests, demos without a board).
    """
    from radio.devices import open_device

    if not uri:
        raise DvstError("--uri is needed for a PlutoSDR (e.g. ip:192.168.2.1 or usb:1.5.5)")
    options = {}
    if cfg.device == "fake-pluto":
        options = {"channel": channel_config(cfg, profile), "seed": cfg.seed}
    dev = open_device(cfg.device, uri=uri, profile=profile, **options)
    if cfg.calibration:
        from calibration import configure_device

        try:
            configure_device(dev, cfg.calibration)  # right board, and its calibrated xo_correction
        except BaseException:
            dev.close()
            raise
    return dev


class ChunkedTx:
    """Streams a frame's samples to a Pluto in buffers of one fixed length.

    pyadi-iio keeps a streaming TX buffer at the length of its first push; a frame of another
    length would need the buffer destroyed and re-created (a gap on air each time). The last
    chunk of a frame is padded with zeros, so each frame leaves at once.
    """

    def __init__(self, dev, chunk: int = 16384):
        self.dev, self.chunk = dev, int(chunk)

    def tx(self, samples: np.ndarray) -> None:
        n = -(-len(samples) // self.chunk) * self.chunk
        padded = np.zeros(n, np.complex64)
        padded[:len(samples)] = samples
        for i in range(0, n, self.chunk):
            self.dev.tx(padded[i:i + self.chunk])

    def flush(self, chunks: int = 2) -> None:
        """After the last frame: a little silence, and time for it to leave the board's
        buffers before the TX buffer is destroyed (which would cut the last burst)."""
        import time

        for _ in range(chunks):
            self.dev.tx(np.zeros(self.chunk, np.complex64))
        time.sleep(chunks * self.chunk / float(self.dev.sample_rate))

    def rx(self) -> np.ndarray:
        return self.dev.rx()

    def close(self) -> None:
        self.dev.close()


def apply_calibration(cfg: LinkConfig, profile):
    """The radio profile with a calibration profile's corrections applied, if one is given."""
    if not cfg.calibration:
        return profile
    try:
        from calibration import apply_profile
    except ImportError:
        raise DvstError("--calibration needs the calibration package (dvst calibrate), not installed") from None
    calibrated = apply_profile(profile, cfg.calibration)
    # gains the user typed win over the calibrated operating point
    typed = {k: getattr(cfg, k) for k in ("tx_gain_db", "rx_gain_db") if getattr(cfg, k) is not None}
    return dataclasses.replace(calibrated, **typed) if typed else calibrated


def tx_session(cfg: LinkConfig, input_spec, cable: bool = False, sinks=(), codec: Codec | None = None,
               device=None) -> LinkSession:
    """``dvst tx``: source → codec → PHY → Pluto. ``cable``: the same board also receives.
    device: an open, configured Device to use instead of opening ``cfg.uri``."""
    profile = apply_calibration(cfg, load_radio_profile(cfg))
    source = _source(cfg, input_spec)
    codec = codec or load_codec(cfg.model, cfg.cbr, cfg.seed)
    dev = device if device is not None else open_radio(cfg, cfg.tx_uri or cfg.uri, profile, True, cable)
    tx = TxChain(codec.encoder(cfg.gop), PhyModem(profile, cfg.max_burst_symbols), codec.tag,
                 new_stream_id(), cfg.snr_db)
    rx = RxChain(PhyModem(profile, cfg.max_burst_symbols), {codec.tag: (codec.name, codec.decoder())}) \
        if cable else None
    return LinkSession(source=source, tx=tx, tx_device=ChunkedTx(dev), rx=rx, rx_device=dev if cable else None,
                       encoder_threads=cfg.encoder_threads, decoder_threads=cfg.decoder_threads,
                       sinks=sinks, pace=cfg.pace, max_frames=cfg.frames, queue_size=cfg.queue_size,
                       device_name=radio_name(cfg, cfg.tx_uri or cfg.uri, profile), sample_rate=profile.sample_rate,
                       frame_size=(source.width, source.height), msssim=cfg.msssim,
                       recorder_factory=_recorder(profile, "rx" if cable else "tx"),
                       closers=[dev.close] if device is None else [])  # the caller owns a device it passed


def rx_session(cfg: LinkConfig, reference=None, sinks=(), device=None, device_name: str = "",
               profile=None, codec: Codec | None = None) -> LinkSession:
    """``dvst rx`` / ``dvst replay``: device → PHY → codec → sinks (no transmitter)."""
    profile = profile or apply_calibration(cfg, load_radio_profile(cfg))
    codec = codec or load_codec(cfg.model, cfg.cbr, cfg.seed)
    reference = reference_frames(reference, cfg)  # before the board is opened: a bad one leaks nothing
    rx = RxChain(PhyModem(profile, cfg.max_burst_symbols), {codec.tag: (codec.name, codec.decoder())})
    closers = []
    if device is None:
        device = open_radio(cfg, cfg.uri, profile, False, True)
        device_name = radio_name(cfg, cfg.uri, profile)
        closers.append(device.close)
    return LinkSession(rx=rx, rx_device=device, sinks=sinks, queue_size=cfg.queue_size,
                       decoder_threads=cfg.decoder_threads,
                       max_frames=cfg.frames, reference=reference,
                       device_name=device_name, sample_rate=profile.sample_rate, msssim=cfg.msssim,
                       recorder_factory=_recorder(profile, "rx"), closers=closers)


def record_session(cfg: LinkConfig, input_spec, out, codec: Codec | None = None) -> LinkSession:
    """``dvst record INPUT --out X``: the waveform ``dvst tx`` would send, into a SigMF recording
    (unpaced). With ``cfg.uri``: the board transmits INPUT and what it receives is recorded."""
    if cfg.uri or cfg.device == "zmq":
        session = tx_session(cfg, input_spec, cable=True, codec=codec)
        session.start_recording(out)
        return session
    profile = load_radio_profile(cfg)
    source = _source(cfg, input_spec)
    codec = codec or load_codec(cfg.model, cfg.cbr, cfg.seed)
    tx = TxChain(codec.encoder(cfg.gop), PhyModem(profile, cfg.max_burst_symbols), codec.tag,
                 new_stream_id(), cfg.snr_db)
    rec = SigMFRecorder(out, profile, "tx", description=f"dvst tx waveform, model {codec.name}")  # opened last
    return LinkSession(source=source, tx=tx, tx_device=rec, pace=False, max_frames=cfg.frames,
                       encoder_threads=cfg.encoder_threads,
                       queue_size=cfg.queue_size, device_name=f"sigmf {out}",
                       sample_rate=profile.sample_rate, frame_size=(source.width, source.height),
                       closers=[rec.close])


def replay_session(path, cfg: LinkConfig, reference=None, sinks=(), codec: Codec | None = None) -> LinkSession:
    """``dvst replay``: the receiver on a SigMF recording, as fast as it can go."""
    profile = apply_calibration(cfg, load_radio_profile(cfg))
    dev = ReplayDevice(path, profile)
    try:
        if abs(dev.sample_rate - profile.sample_rate) > 1:
            raise DvstError(f"{path}: recorded at {dev.sample_rate:g} S/s, the radio profile runs at "
                            f"{profile.sample_rate:g} S/s (use --radio or --sample-rate)")
        session = rx_session(cfg, reference=reference, sinks=sinks, device=dev,
                             device_name=f"replay {Path(path).name}", profile=profile, codec=codec)
    except BaseException:
        dev.close()
        raise
    session._closers.append(dev.close)
    return session

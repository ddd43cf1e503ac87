"""Assemble LinkSessions from the real parts: the codec (dvst.codec, dvst.zoo), the PHY
(radio.transmitter / radio.receiver) and the devices (radio.devices).

Every ``*_session`` function returns a LinkSession that has not been started.
"""

from __future__ import annotations

import os
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


def load_codec(model: str | None = None, cbr: float | None = None, seed: int = 0) -> Codec:
    """The model a session uses.

    model: a zoo name (``dvst.zoo.list_models()``), a checkpoint file, or a model config name
    or YAML (``small``, ``paper``: an untrained model with weights drawn from ``seed`` — only
    useful for tests and timing). None: the zoo's default shipped model; with no shipped
    weights yet, the untrained ``small`` model, with a warning.
    cbr: a target payload CBR; the zoo picks the model and eta that meet it.
    """
    import torch

    zoo = _zoo()
    eta = None
    if cbr is not None:
        if zoo is None or not hasattr(zoo, "pick"):
            raise DvstError("--cbr needs the model zoo (dvst.zoo), which is not installed")
        model, eta = zoo.pick(cbr, model)
    if model is not None and Path(model).suffix in (".pt", ".pth", ".ckpt"):
        from dvst.codec.checkpoint import load

        if not Path(model).is_file():
            raise DvstError(f"model checkpoint not found: {model}")
        net = load(model)
        name = Path(model).stem
    elif zoo is not None and (model is None or model in zoo.list_models()):
        net = zoo.load_model(model) if model is not None else zoo.load_model()
        name = model or getattr(net, "zoo_name", None) or "default"
    elif model is None or _is_model_config(model):
        from dvst.codec import DVSTModel, load_model_config

        cfg = load_model_config(model or "small")
        if model is None:
            print("dvst: warning: no shipped model weights yet; using the untrained 'small' model",
                  file=sys.stderr)
        torch.manual_seed(seed)
        net = DVSTModel(cfg)
        name = f"{cfg.name} (untrained, seed {seed})"
    else:
        known = ", ".join(zoo.list_models()) if zoo is not None else "none shipped"
        raise DvstError(f"unknown model {model!r}: not a zoo model ({known}), checkpoint or model config")
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

        header = BurstHeader(stream_id=stream_id, frame_index=frag.frame_index, frame_kind=frag.kind,
                             fragment=frag.fragment, n_fragments=frag.n_fragments,
                             payload_len=int(frag.payload.size), power_scale=1.0,
                             side_info=frag.header_bytes)
        samples = self.transmitter.modulate(header, frag.payload)
        return samples, int(header_symbols(self.transmitter, header))

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
                    "n_air_samples": int(getattr(b, "n_samples", 0) or 0),
                    "n_header_symbols": int(getattr(b, "n_header_symbols", 0) or 0)}
            out.append(ReceivedFragment(int(h.stream_id), int(h.frame_index), str(h.frame_kind),
                                        int(h.fragment), int(h.n_fragments), bytes(h.side_info),
                                        np.asarray(b.symbols, np.complex64),
                                        np.asarray(b.noise_var, np.float32), float(b.snr_db), meta))
        return out


def header_symbols(transmitter, header) -> int:
    fn = getattr(transmitter, "header_symbols", None)
    return fn(header) if callable(fn) else 0


def _f(v):
    return None if v is None else float(v)


def _constellation(burst) -> dict:
    out = {}
    for kind in ("payload", "pilots", "header"):
        pts = getattr(burst, kind, None)
        if pts is None:
            pts = getattr(burst, f"{kind}_points", None)
        if pts is None:
            continue
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
    _configure(tx_dev, profile)
    _configure(rx_dev, profile)
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
        rx.decoders[new.tag] = (new.name, new.decoder())
        tx.switch_encoder(new.encoder(cfg.gop), new.tag)

    if cfg.loopback_buffer:
        rx_dev.rx_buffer_size = cfg.loopback_buffer
    gate = GatedRx(rx_dev, tx_dev.air_out)
    session = LinkSession(source=source, tx=tx, tx_device=tx_dev, rx=rx, rx_device=gate, sinks=sinks,
                       pace=cfg.pace, max_frames=cfg.frames, queue_size=cfg.queue_size,
                       snr_set_db=cfg.snr_db, device_name=f"loopback ({chan.name})",
                       sample_rate=profile.sample_rate, frame_size=(source.width, source.height),
                       msssim=cfg.msssim, channel_control=channel_control,
                       target_control=target_control, recorder_factory=_recorder(profile),
                       closers=[tx_dev.close, rx_dev.close], rx_drain_buffers=2)
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

    def __init__(self, rx_dev, air, tail: int = 2, poll_s: float = 0.002):
        self.dev, self.air, self.tail, self.poll_s = rx_dev, air, tail, poll_s
        self._left = 0
        self._interrupted = False
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
            time.sleep(self.poll_s)
        return np.zeros(0, np.complex64)

    def interrupt(self) -> None:
        """Make a waiting rx() return (the session is stopping)."""
        self._interrupted = True


def _configure(dev, profile) -> None:
    dev.configure(profile)


def _recorder(profile):
    def make(path):
        from radio.devices import SigMFDevice

        return SigMFDevice.writer(path, sample_rate=profile.sample_rate, center_freq=profile.center_freq)
    return make


def open_pluto(uri: str | None, profile):
    """A configured PlutoDevice at ``uri`` (a missing library or board is a one-line DvstError)."""
    from radio.devices import open_device

    if not uri:
        raise DvstError("--uri is needed for a PlutoSDR (e.g. ip:192.168.2.1 or usb:1.5.5)")
    dev = open_device("pluto", uri=uri)
    dev.configure(profile)
    return dev


def apply_calibration(cfg: LinkConfig, profile):
    """The radio profile with a calibration profile's corrections applied, if one is given."""
    if not cfg.calibration:
        return profile
    try:
        from calibration import apply_profile
    except ImportError:
        raise DvstError("--calibration needs the calibration package (dvst calibrate), not installed") from None
    return apply_profile(profile, cfg.calibration)


def tx_session(cfg: LinkConfig, input_spec, cable: bool = False, sinks=()) -> LinkSession:
    """``dvst tx``: source → codec → PHY → Pluto. ``cable``: the same board also receives."""
    profile = apply_calibration(cfg, load_radio_profile(cfg))
    source = _source(cfg, input_spec)
    codec = load_codec(cfg.model, cfg.cbr, cfg.seed)
    dev = open_pluto(cfg.tx_uri or cfg.uri, profile)
    tx = TxChain(codec.encoder(cfg.gop), PhyModem(profile, cfg.max_burst_symbols), codec.tag,
                 new_stream_id(), cfg.snr_db)
    rx = RxChain(PhyModem(profile, cfg.max_burst_symbols), {codec.tag: (codec.name, codec.decoder())}) \
        if cable else None
    return LinkSession(source=source, tx=tx, tx_device=dev, rx=rx, rx_device=dev if cable else None,
                       sinks=sinks, pace=cfg.pace, max_frames=cfg.frames, queue_size=cfg.queue_size,
                       device_name=f"pluto {cfg.tx_uri or cfg.uri}", sample_rate=profile.sample_rate,
                       frame_size=(source.width, source.height), msssim=cfg.msssim,
                       recorder_factory=_recorder(profile), closers=[dev.close])


def rx_session(cfg: LinkConfig, reference=None, sinks=(), device=None, device_name: str = "",
               profile=None) -> LinkSession:
    """``dvst rx`` / ``dvst replay``: device → PHY → codec → sinks (no transmitter)."""
    profile = profile or apply_calibration(cfg, load_radio_profile(cfg))
    codec = load_codec(cfg.model, cfg.cbr, cfg.seed)
    closers = []
    if device is None:
        device = open_pluto(cfg.uri, profile)
        device_name = f"pluto {cfg.uri}"
        closers.append(device.close)
    rx = RxChain(PhyModem(profile, cfg.max_burst_symbols), {codec.tag: (codec.name, codec.decoder())})
    return LinkSession(rx=rx, rx_device=device, sinks=sinks, queue_size=cfg.queue_size,
                       max_frames=cfg.frames, reference=reference_frames(reference, cfg),
                       device_name=device_name, sample_rate=profile.sample_rate, msssim=cfg.msssim,
                       recorder_factory=_recorder(profile), closers=closers)

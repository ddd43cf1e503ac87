"""Session factories: each ``*_session`` function assembles a LinkSession (not started) from a
link configuration — the codec (``dvst.link.codec``), the PHY (``dvst.link.phy``) and the
devices (``dvst.link.devices``). The session owns and closes what its factory opened.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from dvst.link.codec import Codec, load_codec
from dvst.link.devices import (
    ChunkedTx,
    GatedRx,
    ReplayDevice,
    SigMFRecorder,
    open_radio,
    radio_name,
    recorder_factory,
    set_loopback_channel,
)
from dvst.link.link_config import LinkConfig
from dvst.link.phy import PhyModem, apply_calibration, channel_config, load_radio_profile
from dvst.link.session import (
    LinkSession,
    LiveControls,
    Receiving,
    RxChain,
    SessionInfo,
    SessionOptions,
    Transmitting,
    TxChain,
)
from foundation.errors import ParameterError


def _options(cfg: LinkConfig) -> SessionOptions:
    return SessionOptions(max_frames=cfg.frames, queue_size=cfg.queue_size, msssim=cfg.msssim)


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
    modem_tx = PhyModem(profile, cfg.max_burst_symbols, cfg.side_mcs)
    modem_rx = PhyModem(profile, cfg.max_burst_symbols, cfg.side_mcs)
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
    session = LinkSession(
        Transmitting(source, tx, tx_dev, cfg.pace, cfg.encoder_threads),
        Receiving(rx, gate, decoder_threads=cfg.decoder_threads, drain_buffers=16), sinks=sinks,
        info=SessionInfo(f"loopback ({chan.name})", profile.sample_rate, (source.width, source.height), cfg.snr_db),
        options=_options(cfg),
        controls=LiveControls(channel_control, target_control, recorder_factory(profile, "rx")),
        closers=[tx_dev.close, rx_dev.close])
    gate.finished = session.tx_finished
    return session


def tx_session(cfg: LinkConfig, input_spec, cable: bool = False, sinks=(), codec: Codec | None = None,
               device=None) -> LinkSession:
    """``dvst tx``: source → codec → PHY → Pluto. ``cable``: the same board also receives.
    device: an open, configured Device to use instead of opening ``cfg.uri``."""
    profile = apply_calibration(cfg, load_radio_profile(cfg))
    source = _source(cfg, input_spec)
    codec = codec or load_codec(cfg.model, cfg.cbr, cfg.seed)
    dev = device if device is not None else open_radio(cfg, cfg.tx_uri or cfg.uri, profile, True, cable)
    tx = TxChain(codec.encoder(cfg.gop), PhyModem(profile, cfg.max_burst_symbols, cfg.side_mcs), codec.tag,
                 new_stream_id(), cfg.snr_db)
    rx = RxChain(PhyModem(profile, cfg.max_burst_symbols, cfg.side_mcs), {codec.tag: (codec.name, codec.decoder())}) \
        if cable else None
    return LinkSession(
        Transmitting(source, tx, ChunkedTx(dev), cfg.pace, cfg.encoder_threads),
        Receiving(rx, dev, decoder_threads=cfg.decoder_threads) if cable else None, sinks=sinks,
        info=SessionInfo(radio_name(cfg, cfg.tx_uri or cfg.uri, profile), profile.sample_rate,
                         (source.width, source.height)),
        options=_options(cfg),
        controls=LiveControls(recorder=recorder_factory(profile, "rx" if cable else "tx")),
        closers=[dev.close] if device is None else [])  # the caller owns a device it passed


def rx_session(cfg: LinkConfig, reference=None, sinks=(), device=None, device_name: str = "",
               profile=None, codec: Codec | None = None) -> LinkSession:
    """``dvst rx`` / ``dvst replay``: device → PHY → codec → sinks (no transmitter)."""
    profile = profile or apply_calibration(cfg, load_radio_profile(cfg))
    codec = codec or load_codec(cfg.model, cfg.cbr, cfg.seed)
    reference = reference_frames(reference, cfg)  # before the board is opened: a bad one leaks nothing
    rx = RxChain(PhyModem(profile, cfg.max_burst_symbols, cfg.side_mcs), {codec.tag: (codec.name, codec.decoder())})
    closers = []
    if device is None:
        device = open_radio(cfg, cfg.uri, profile, False, True)
        device_name = radio_name(cfg, cfg.uri, profile)
        closers.append(device.close)
    return LinkSession(rx=Receiving(rx, device, reference, cfg.decoder_threads), sinks=sinks,
                       info=SessionInfo(device_name, profile.sample_rate), options=_options(cfg),
                       controls=LiveControls(recorder=recorder_factory(profile, "rx")), closers=closers)


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
    tx = TxChain(codec.encoder(cfg.gop), PhyModem(profile, cfg.max_burst_symbols, cfg.side_mcs), codec.tag,
                 new_stream_id(), cfg.snr_db)
    rec = SigMFRecorder(out, profile, "tx", description=f"dvst tx waveform, model {codec.name}")  # opened last
    return LinkSession(Transmitting(source, tx, rec, pace=False, encoder_threads=cfg.encoder_threads),
                       info=SessionInfo(f"sigmf {out}", profile.sample_rate, (source.width, source.height)),
                       options=SessionOptions(cfg.frames, cfg.queue_size), closers=[rec.close])


def replay_session(path, cfg: LinkConfig, reference=None, sinks=(), codec: Codec | None = None) -> LinkSession:
    """``dvst replay``: the receiver on a SigMF recording, as fast as it can go."""
    profile = apply_calibration(cfg, load_radio_profile(cfg))
    dev = ReplayDevice(path, profile)
    try:
        if abs(dev.sample_rate - profile.sample_rate) > 1:
            raise ParameterError("sample_rate", f"{path}: recorded at {dev.sample_rate:g} S/s, the radio profile "
                                                f"runs at {profile.sample_rate:g} S/s (choose another radio "
                                                f"profile, or set sample_rate)")
        session = rx_session(cfg, reference=reference, sinks=sinks, device=dev,
                             device_name=f"replay {Path(path).name}", profile=profile, codec=codec)
    except BaseException:
        dev.close()
        raise
    session.own(dev.close)
    return session

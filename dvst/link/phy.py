"""The PHY as the link uses it: fragments ↔ radio bursts (``radio.transmitter`` /
``radio.receiver``), and the radio profile and loopback channel a link configuration asks for."""

from __future__ import annotations

import dataclasses

import numpy as np

from dvst.link.framing import BurstMeasurements, FramerLimits, ReceivedFragment
from dvst.link.link_config import LinkConfig
from foundation.errors import ParameterError

CONSTELLATION_POINTS = 2000   # per kind, what the GUI draws


class PhyModem:
    """Fragments ↔ radio bursts through ``radio.transmitter`` / ``radio.receiver``.

    The transmitter side is ``modulate(fragment, stream_id, snr_db) -> (samples,
    n_side_symbols)``; the receiver side is streaming: ``demodulate(buffer) ->
    list[ReceivedFragment]``; bursts whose header failed are counted in ``bursts_failed``.

    side_mcs: the side-information MCS (``radio.side_mcs``): "auto" picks it per burst from the
    SNR the transmitter is configured for; a name fixes it ("header": the robust header code).
    The receiver reads it from each burst's base header.
    """

    def __init__(self, profile, max_burst_symbols: int = 1 << 20, side_mcs: str = "auto"):
        from radio.side_mcs import resolve_side_mcs

        resolve_side_mcs(side_mcs, None)   # an unknown name fails here, not at the first burst
        self.profile = profile
        self.side_mcs = side_mcs
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

    def modulate(self, frag, stream_id: int, snr_db: float | None = None) -> tuple[np.ndarray, int]:
        from radio.side_mcs import resolve_side_mcs
        from radio.transmitter import BurstHeader

        mcs = resolve_side_mcs(self.side_mcs, snr_db).index
        payload = frag.payload
        rms = float(np.sqrt(np.mean(np.abs(payload) ** 2))) if payload.size else 0.0
        scale = rms if rms > 1e-6 else 1.0   # each burst at the profile's level; the receiver scales back
        header = BurstHeader(stream_id=stream_id, frame_index=frag.frame_index, frame_kind=frag.kind,
                             fragment=frag.fragment, n_fragments=frag.n_fragments,
                             payload_len=int(payload.size), power_scale=scale,
                             side_info=frag.header_bytes, side_mcs=mcs)
        samples = self.transmitter.modulate(header, payload / np.float32(scale))
        return samples, self.side_symbols(len(frag.header_bytes), mcs)

    def side_symbols(self, side_len: int, mcs: int = 0) -> int:
        """Complex symbols the coded side information occupies at MCS index ``mcs`` (whole OFDM symbols)."""
        return int(self.transmitter.header_codec.n_side_symbols(side_len, mcs) * self.profile.n_data)

    def demodulate(self, buffer: np.ndarray) -> list[ReceivedFragment]:
        out = []
        for b in self.receiver.process(buffer):
            h = b.header
            if h is None:
                self.bursts_failed += 1
                continue
            self.bursts_ok += 1
            phy = BurstMeasurements(
                cfo_hz=_f(b.cfo_hz), sfo_ppm=_f(b.sfo_ppm), timing=b.timing, channel_mag=b.channel_mag,
                constellation=_constellation(b),
                n_air_samples=int(b.n_samples) + self.profile.guard_samples,
                n_header_symbols=(b.n_header_symbols - self.transmitter.header_codec.n_base_symbols)
                * self.profile.n_data)
            # the transmitter divided the payload by power_scale; undo it on symbols and noise
            scale = np.float32(h.power_scale)
            side = b"" if h.side_info is None else bytes(h.side_info)  # b"": side info CRC failed
            out.append(ReceivedFragment(int(h.stream_id), int(h.frame_index), str(h.frame_kind),
                                        int(h.fragment), int(h.n_fragments), side,
                                        np.asarray(b.symbols, np.complex64) * scale,
                                        np.asarray(b.noise_var, np.float32) * scale * scale,
                                        float(b.snr_db), phy))
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


def apply_calibration(cfg: LinkConfig, profile):
    """The radio profile with a calibration profile's corrections applied, if one is given."""
    if not cfg.calibration:
        return profile
    try:
        from calibration import apply_profile
    except ImportError:
        raise ParameterError("calibration", "calibration needs a package that is not installed") from None
    calibrated = apply_profile(profile, cfg.calibration)
    # gains the user typed win over the calibrated operating point
    typed = {k: getattr(cfg, k) for k in ("tx_gain_db", "rx_gain_db") if getattr(cfg, k) is not None}
    return dataclasses.replace(calibrated, **typed) if typed else calibrated


def channel_config(cfg: LinkConfig, profile):
    from radio.channel import ChannelConfig

    over = {"snr_db": cfg.snr_db}
    if cfg.cfo_ppm is not None:
        over["cfo_hz"] = cfg.cfo_ppm * 1e-6 * profile.center_freq
    if cfg.sfo_ppm is not None:
        over["sfo_ppm"] = cfg.sfo_ppm
    return ChannelConfig.for_profile(profile, cfg.channel, **over)

"""EncodedFrame → radio bursts and back.

A coded frame is K complex analog symbols plus digital side information. It travels in
``n_fragments`` bursts; burst ``f`` carries the contiguous payload slice
``symbols[f·P : (f+1)·P]`` (P = ceil(K / n_fragments)) and, in its digital header, a link
header followed by the slice ``side_info[f·S : (f+1)·S]`` (S = ceil(len(side_info) / n)).

Link header (big-endian, 9 bytes, inside ``BurstHeader.side_info`` of every burst)::

    version u8 | model_tag u16 | n_symbols u32 (K of the whole frame) | side_len u16

Frame index, kind, fragment number and count travel in the PHY's own header fields. The
model tag (CRC-16 of the model fingerprint) lets the receiver refuse frames coded by a
different model. Because every burst repeats K and the side length, each fragment's offsets
follow from its number alone; a frame is complete when all its fragments have arrived.

numpy only (no torch, no PHY import): the PHY types are handled by ``dvst.link.radio``.
"""

from __future__ import annotations

import math
import struct
import zlib
from dataclasses import dataclass, field

import numpy as np

from dvst.errors import DvstError
from dvst.frames import EncodedFrame, ReceivedFrame
from foundation.errors import ProjectError

LINK_VERSION = 1
_LINK_HEADER = struct.Struct(">BHIH")
LINK_HEADER_BYTES = _LINK_HEADER.size


def model_tag(fingerprint: str) -> int:
    """16-bit tag of a model fingerprint string, carried in every burst."""
    return zlib.crc32(fingerprint.encode()) & 0xFFFF


@dataclass
class Fragment:
    """One burst's share of a frame (transmit side, or reassembled on receipt).

    header_bytes: link header + side-info slice (what goes in ``BurstHeader.side_info``).
    payload: complex64 [P_f] analog symbols, unit average power.
    """

    frame_index: int
    kind: str
    fragment: int
    n_fragments: int
    header_bytes: bytes
    payload: np.ndarray


@dataclass
class FramerLimits:
    """How much one burst can carry: analog payload symbols and side-info bytes."""

    max_payload_symbols: int
    max_side_bytes: int

    def __post_init__(self) -> None:
        if self.max_payload_symbols < 1:
            raise DvstError(f"a burst must carry at least one payload symbol, got {self.max_payload_symbols}")
        if self.max_side_bytes <= LINK_HEADER_BYTES:
            raise DvstError(f"a burst header must carry more than {LINK_HEADER_BYTES} bytes of side "
                            f"information, got {self.max_side_bytes}")


def split_frame(frame: EncodedFrame, limits: FramerLimits, tag: int) -> list[Fragment]:
    """Cut one EncodedFrame into the fewest fragments that fit ``limits``."""
    k = frame.symbols.size
    side = frame.side_info
    if k >= 2 ** 32 or len(side) >= 2 ** 16:
        raise DvstError(f"frame {frame.index} is too large to send ({k} symbols, {len(side)} side bytes)")
    room = limits.max_side_bytes - LINK_HEADER_BYTES
    n = max(1, math.ceil(k / limits.max_payload_symbols), math.ceil(len(side) / room))
    per_sym, per_side = _slice_sizes(k, len(side), n)
    head = _LINK_HEADER.pack(LINK_VERSION, tag, k, len(side))
    return [Fragment(frame.index, frame.kind, f, n,
                     head + side[f * per_side:(f + 1) * per_side],
                     frame.symbols[f * per_sym:(f + 1) * per_sym])
            for f in range(n)]


def _slice_sizes(n_symbols: int, side_len: int, n_fragments: int) -> tuple[int, int]:
    return max(1, math.ceil(n_symbols / n_fragments)), max(1, math.ceil(side_len / n_fragments))


def fragment_payload_len(n_symbols: int, side_len: int, n_fragments: int, fragment: int) -> int:
    """Number of payload symbols fragment ``fragment`` carries."""
    per, _ = _slice_sizes(n_symbols, side_len, n_fragments)
    return max(0, min(per, n_symbols - fragment * per))


def parse_link_header(header_bytes: bytes) -> tuple[int, int, int, bytes]:
    """→ (model_tag, n_symbols, side_len, side slice); DvstError when malformed."""
    if len(header_bytes) < LINK_HEADER_BYTES:
        raise DvstError("burst side information shorter than the link header")
    version, tag, k, side_len = _LINK_HEADER.unpack_from(header_bytes)
    if version != LINK_VERSION:
        raise DvstError(f"link header version {version}, this receiver speaks {LINK_VERSION}")
    return tag, k, side_len, bytes(header_bytes[LINK_HEADER_BYTES:])


@dataclass
class BurstMeasurements:
    """What the PHY measured on one burst, for the frame's statistics and the GUI.

    cfo_hz: carrier offset (Hz); sfo_ppm: sampling-clock offset (ppm); timing: absolute index
    of the burst's first sample in the receive stream; channel_mag: |H| per used subcarrier,
    float [K]; constellation: equalised points by kind ("payload", "pilots", "header"),
    complex64 [≤ 2000] each; n_air_samples: samples the burst occupied on air;
    n_header_symbols: complex symbols of its coded side information; rx_snippet: received
    samples from the burst's start, complex64 (set by the session, for the spectrum).
    """

    cfo_hz: float | None = None
    sfo_ppm: float | None = None
    timing: int | None = None
    channel_mag: np.ndarray | None = None
    constellation: dict[str, np.ndarray] = field(default_factory=dict)
    n_air_samples: int = 0
    n_header_symbols: int = 0
    rx_snippet: np.ndarray | None = None


@dataclass
class ReceivedFragment:
    """One burst as the link sees it after the PHY: its header fields and equalised payload.

    symbols: complex64 [P_f] equalised; noise_var: float32 [P_f] per symbol, same scale.
    snr_db: in-band SNR measured on this burst. phy: what else the PHY measured on it.
    """

    stream_id: int
    frame_index: int
    kind: str
    fragment: int
    n_fragments: int
    header_bytes: bytes
    symbols: np.ndarray
    noise_var: np.ndarray
    snr_db: float
    phy: BurstMeasurements = field(default_factory=BurstMeasurements)


@dataclass
class AssembledFrame:
    """What the reassembler hands on: a whole frame, or the news that one is incomplete.

    frame: the ReceivedFrame (None when incomplete or refused). reason: why not.
    fragments: the ReceivedFragments that did arrive (for statistics).
    """

    stream_id: int
    index: int
    kind: str
    frame: ReceivedFrame | None
    reason: str = ""
    fragments: list[ReceivedFragment] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.frame is not None


class Reassembler:
    """Collects fragments into ReceivedFrames. Bursts arrive in transmit order, so a burst of
    a later frame (or another stream) closes the frame being collected, complete or not.

    expected_tag: the receiver's model tag; frames with another tag are refused.
    """

    def __init__(self, expected_tag: int | None = None):
        self.expected_tag = expected_tag
        self._key: tuple[int, int] | None = None
        self._parts: dict[int, ReceivedFragment] = {}
        self.refused_model = 0

    def push(self, frag: ReceivedFragment) -> list[AssembledFrame]:
        """Add one fragment; returns the frames this closes (0, 1 or 2)."""
        out: list[AssembledFrame] = []
        key = (frag.stream_id, frag.frame_index)
        if self._key is not None and key != self._key:
            out.append(self._close())
        self._key = key
        if frag.fragment in self._parts or not 0 <= frag.fragment < frag.n_fragments:
            return out  # a duplicate or a nonsense fragment number: ignore it
        self._parts[frag.fragment] = frag
        if len(self._parts) == frag.n_fragments:
            out.append(self._close())
        return out

    @property
    def pending(self) -> bool:
        """True while a frame is partly collected."""
        return self._key is not None

    def flush(self) -> list[AssembledFrame]:
        """Close the frame being collected (end of stream or timeout)."""
        return [self._close()] if self._key is not None else []

    def _close(self) -> AssembledFrame:
        parts = [self._parts[f] for f in sorted(self._parts)]
        stream_id, index = self._key  # type: ignore[misc]
        self._key, self._parts = None, {}
        first = parts[0]
        n = first.n_fragments
        result = AssembledFrame(stream_id, index, first.kind, None, fragments=parts)
        if len(parts) < n:
            result.reason = f"{n - len(parts)} of {n} bursts missing"
            return result
        try:
            heads = [parse_link_header(p.header_bytes) for p in parts]
        except ProjectError as e:
            result.reason = str(e)
            return result
        tag, k, side_len, _ = heads[0]
        if any(h[:3] != heads[0][:3] for h in heads) or any(p.n_fragments != n or p.kind != first.kind
                                                             for p in parts):
            result.reason = "fragments disagree about the frame"
            return result
        if self.expected_tag is not None and tag != self.expected_tag:
            self.refused_model += 1
            result.reason = f"coded by another model (tag {tag:04x}, this receiver has {self.expected_tag:04x})"
            return result
        side = b"".join(h[3] for h in heads)
        lens = [fragment_payload_len(k, side_len, n, p.fragment) for p in parts]
        if len(side) != side_len or any(p.symbols.size < L for p, L in zip(parts, lens)):
            result.reason = "fragment lengths do not add up"
            return result
        symbols = np.concatenate([p.symbols[:L] for p, L in zip(parts, lens)])
        noise_var = np.concatenate([np.broadcast_to(np.asarray(p.noise_var, np.float32), p.symbols.shape)[:L]
                                    for p, L in zip(parts, lens)])
        result.frame = ReceivedFrame(index, first.kind, symbols, noise_var, side, combined_snr_db(
            [p.snr_db for p in parts], lens))
        return result


def combined_snr_db(snrs_db: list[float], weights: list[int]) -> float:
    """Symbol-weighted mean SNR of several bursts, averaged in the linear domain of the noise:
    10·log10(1 / mean(1/snr)), which is what a decoder fed all the symbols experiences."""
    s = np.asarray(snrs_db, np.float64)
    w = np.asarray(weights, np.float64)
    ok = np.isfinite(s)
    if not ok.any() or w[ok].sum() <= 0:
        return float("nan")
    inv = np.sum(w[ok] * 10 ** (-s[ok] / 10)) / np.sum(w[ok])
    return float(-10 * np.log10(inv))

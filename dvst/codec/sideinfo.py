"""The digital side information of a coded frame, and the bandwidth it costs.

Layout of ``EncodedFrame.side_info`` (little-endian), format version 3:
  I-frame     byte 0 format version (3); bytes 1–2 model id (uint16: the low 16 bits of
              :meth:`ModelConfig.fingerprint`); bytes 3–6 frame height, width in pixels (uint16
              each; the frame before padding); then the bandwidth indices.
  P-frame     the bandwidth indices only: a P-frame decodes only against the I-frame it follows,
              which already named the format, the model and the frame size (7 bytes a P-frame
              saved; at QCIF and 0 dB they were a third of the side information).
  indices     raster order, MSB first: q_pl bits per rate block (one JSCC patch, or the
              rate_block×rate_block patches that share one index) for the primary link, then
              (P-frames with a motion link) q_ml bits per rate block for the motion link;
              zero-padded to a whole byte.
The side information travels digitally (its own CRC and channel code on the radio side). It
is counted in the payload CBR at the channel symbols its coded bits occupy: ``symbols_per_bit``
of the MCS it is sent with, which the link picks from its SNR (``radio.side_mcs``; the codec
knows no radio, so the caller passes it). The default, ``SIDE_INFO_SYMBOLS_PER_BIT``, is the
robust one: QPSK (2 bits per symbol) behind the rate-1/5 LDPC code of the default radio
profile's header. The side information's CRC-32 and the padding to whole OFDM symbols are
framing, counted in the air CBR.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from dvst.errors import DvstError
from dvst.frames import EncodedFrame

#: channel symbols per side-information bit at the robust MCS: QPSK behind a rate-1/5 code.
SIDE_INFO_SYMBOLS_PER_BIT = 2.5
VERSION = 3
#: an I-frame's version, model id, height, width: 7 bytes, 140 channel symbols at the robust
#: MCS (η, once here as information only, is left out: the receiver needs only the indices)
_HEAD = struct.Struct("<BHHH")


@dataclass(frozen=True)
class SideCount:
    """How the side information is counted in the payload CBR: the name of the MCS it travels
    with and the channel symbols per bit of that MCS (``radio.side_mcs`` knows them; the codec
    only counts). The default is the robust header code."""

    mcs: str = "header"
    symbols_per_bit: float = SIDE_INFO_SYMBOLS_PER_BIT

    @classmethod
    def of(cls, mcs) -> SideCount:
        """The count of a ``radio.side_mcs.SideMCS`` (anything with ``name`` and ``symbols_per_bit()``)."""
        return cls(mcs.name, mcs.symbols_per_bit())


ROBUST_COUNT = SideCount()


def model_id(cfg) -> int:
    """The 16-bit model id a frame carries: enough to catch a frame of another model."""
    return cfg.fingerprint() & 0xFFFF


def side_symbols(n_bytes: int, symbols_per_bit: float = SIDE_INFO_SYMBOLS_PER_BIT) -> float:
    """Channel symbols that ``n_bytes`` of side information occupy."""
    return 8 * n_bytes * symbols_per_bit


def index_grid(cfg, height: int, width: int) -> tuple[int, int]:
    """(rows, columns) of bandwidth indices (rate blocks) of a height×width frame after padding."""
    m = cfg.pad_multiple
    return -(-height // m), -(-width // m)


def patch_grid(cfg, height: int, width: int) -> tuple[int, int]:
    """(rows, columns) of JSCC patches of a height×width frame after padding."""
    rows, cols = index_grid(cfg, height, width)
    return rows * cfg.rate_block, cols * cfg.rate_block


def side_info_bytes(cfg, kind: str, height: int, width: int) -> int:
    """Length in bytes of the side information of one frame."""
    rows, cols = index_grid(cfg, height, width)
    if kind == "P":
        return -(-rows * cols * (cfg.q_primary + (cfg.q_motion if cfg.motion_link else 0)) // 8)
    return _HEAD.size + -(-rows * cols * cfg.q_primary // 8)


def side_symbols_for(cfg, height: int, width: int, n_frames: int):
    """Side-information symbols of frames 0…T−1 of a GOP snippet (frame 0 the I-frame), float [T]."""
    import torch

    return torch.tensor([side_symbols(side_info_bytes(cfg, "I" if i == 0 else "P", height, width))
                         for i in range(n_frames)], dtype=torch.float32)


@dataclass
class SideInfo:
    """The parsed side information of one frame; indices are uint8 [rows, cols], one per JSCC
    patch (equal within a rate block). A P-frame's model id and size are its I-frame's."""

    model_id: int
    height: int
    width: int
    idx_pl: np.ndarray
    idx_ml: np.ndarray | None = None


def _pack_bits(values: np.ndarray, q: int) -> np.ndarray:
    v = values.astype(np.uint8).reshape(-1, 1)
    return np.unpackbits(v, axis=1)[:, 8 - q:].reshape(-1)


def _unpack_bits(bits: np.ndarray, q: int, n: int) -> np.ndarray:
    b = bits[: n * q].reshape(n, q)
    return np.packbits(np.concatenate([np.zeros((n, 8 - q), np.uint8), b], 1), axis=1)[:, 0]


def pack(info: SideInfo, cfg, kind: str) -> bytes:
    """SideInfo → the side-information bytes of a frame of ``kind`` "I" or "P" (layout above)."""
    head = _HEAD.pack(VERSION, info.model_id, info.height, info.width) if kind == "I" else b""
    b = cfg.rate_block      # indices are equal within a rate block: send one per block
    bits = [_pack_bits(info.idx_pl[::b, ::b], cfg.q_primary)]
    if info.idx_ml is not None:
        bits.append(_pack_bits(info.idx_ml[::b, ::b], cfg.q_motion))
    return head + np.packbits(np.concatenate(bits)).tobytes()


def unpack(data: bytes, kind: str, cfg, size: tuple[int, int] | None = None) -> SideInfo:
    """bytes → SideInfo, checked against the model configuration; a mismatch is a DvstError.

    size: a P-frame's (height, width), which only its I-frame carries (the decoder's reference);
    a P-frame without it is refused."""
    if kind == "I":
        if len(data) < _HEAD.size:
            raise DvstError("side information too short")
        version, mid, h, w = _HEAD.unpack(data[:_HEAD.size])
        if version != VERSION:
            raise DvstError(f"side information version {version} is not supported (this build reads {VERSION})")
        if mid != model_id(cfg):
            raise DvstError(f"frame was coded by another model (id {mid:04x}, this model {model_id(cfg):04x})")
        start = _HEAD.size
    else:
        if size is None:
            raise DvstError("a P-frame's side information needs the frame size of its I-frame")
        mid, (h, w), start = model_id(cfg), size, 0
    if h < 1 or w < 1 or len(data) != side_info_bytes(cfg, kind, h, w):
        raise DvstError("side information has the wrong length for its frame size")
    rows, cols = index_grid(cfg, h, w)
    n = rows * cols
    b = cfg.rate_block
    per_patch = lambda a: np.repeat(np.repeat(a.reshape(rows, cols), b, 0), b, 1)  # noqa: E731
    bits = np.unpackbits(np.frombuffer(data, np.uint8, offset=start))
    idx_pl = per_patch(_unpack_bits(bits, cfg.q_primary, n))
    idx_ml = None
    if kind == "P" and cfg.motion_link:
        idx_ml = per_patch(_unpack_bits(bits[n * cfg.q_primary:], cfg.q_motion, n))
    return SideInfo(mid, h, w, idx_pl, idx_ml)


def payload_symbols(frame: EncodedFrame, symbols_per_bit: float = SIDE_INFO_SYMBOLS_PER_BIT) -> float:
    """Complex channel symbols of a frame: analog JSCC symbols + side information (coded)."""
    return frame.symbols.size + side_symbols(len(frame.side_info), symbols_per_bit)


def payload_cbr(frame: EncodedFrame, height: int, width: int,
                symbols_per_bit: float = SIDE_INFO_SYMBOLS_PER_BIT) -> float:
    """The paper's CBR of one height×width frame: payload symbols / (H·W·3)."""
    return payload_symbols(frame, symbols_per_bit) / (height * width * 3)


class CodedFrame(EncodedFrame):
    """An :class:`EncodedFrame` as the encoder hands it over: the same fields and bytes, plus
    the frame size it was coded at (which only an I-frame's bytes carry), so it tells its
    bandwidth."""

    def __init__(self, index: int, kind: str, symbols, side_info: bytes, frame_size: tuple[int, int]) -> None:
        super().__init__(index, kind, symbols, side_info)
        self.frame_size = frame_size          # (height, width) before padding

    @property
    def payload_symbols(self) -> float:
        return payload_symbols(self)

    @property
    def payload_cbr(self) -> float:
        return payload_cbr(self, *self.frame_size)

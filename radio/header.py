"""The digital burst header: fields, CRC-32, 5G NR LDPC at a low rate, BPSK/QPSK.

Two parts, each filling whole OFDM symbols:

* base block — 23 bytes of fields + CRC-32 (216 bits), one LDPC codeword at the profile's
  robust ``header_code_rate``. It is decoded first and says how long everything after it is and
  how it is coded.
* side-information blocks — the side bytes followed by their CRC-32, cut into blocks of up to
  128 bytes, each its own LDPC codeword at the side-information MCS the base block names
  (``radio.side_mcs``; index 0 is the header's own code). Absent when there is no side info.

Base block layout (big-endian)::

    version u8 | stream_id u16 | frame_index u32 | frame_kind char | fragment u16 |
    n_fragments u16 | payload_len u32 | power_scale f32 | side_len u16 | side_mcs u8 | CRC-32 u32

CRC-32 is the IEEE 802.3 polynomial (``zlib.crc32``), the same one ``dvst.frames`` uses.
"""

from __future__ import annotations

import math
import struct
import zlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from radio.errors import RadioError
from radio.fec.ldpc import LDPC5G
from radio.mapping.qam import QAM
from radio.ofdm import pn_bits
from radio.profile import RadioProfile
from radio.side_mcs import SIDE_MCS, SideMCS, side_mcs

HEADER_VERSION = 2
_BASE = struct.Struct(">BHIcHHIfHB")
BASE_BYTES = _BASE.size + 4            # with the CRC
SIDE_BLOCK_BYTES = 128


@dataclass
class BurstHeader:
    """What one burst says about itself.

    payload_len: complex analog symbols in the burst (None: the transmitter fills it in).
    power_scale: RMS the link divided the payload by (the receiver multiplies it back).
    side_info: digital bytes; on receive None when their CRC failed.
    side_mcs: index of the side-information MCS (``radio.side_mcs.SIDE_MCS``; 0: the header's code).
    """

    stream_id: int = 0
    frame_index: int = 0
    frame_kind: str = "I"
    fragment: int = 0
    n_fragments: int = 1
    payload_len: int | None = None
    power_scale: float = 1.0
    side_info: bytes | None = b""
    side_mcs: int = 0

    def validate(self) -> None:
        def bad(msg: str) -> None:
            raise RadioError(f"burst header: {msg}")

        for name, top in (("stream_id", 0xFFFF), ("frame_index", 0xFFFFFFFF), ("fragment", 0xFFFF),
                          ("n_fragments", 0xFFFF)):
            v = getattr(self, name)
            if not isinstance(v, (int, np.integer)) or not 0 <= v <= top:
                bad(f"{name} must be an integer in 0 .. {top}, got {v!r}")
        if not 1 <= self.n_fragments or not self.fragment < self.n_fragments:
            bad(f"fragment {self.fragment} of {self.n_fragments} is impossible")
        if not isinstance(self.frame_kind, str) or len(self.frame_kind) != 1 or not self.frame_kind.isascii():
            bad(f"frame_kind must be one ASCII character, got {self.frame_kind!r}")
        if self.payload_len is None or not 0 <= self.payload_len <= 0xFFFFFFFF:
            bad(f"payload_len must be in 0 .. 2^32-1, got {self.payload_len!r}")
        if not np.isfinite(self.power_scale) or not 0 < self.power_scale < 3e38:
            bad(f"power_scale must be a positive finite number, got {self.power_scale!r}")
        if not isinstance(self.side_info, (bytes, bytearray)) or len(self.side_info) > 0xFFFF:
            bad("side_info must be bytes, at most 65535 of them")
        if not isinstance(self.side_mcs, (int, np.integer)) or not 0 <= self.side_mcs < len(SIDE_MCS):
            bad(f"side_mcs must be an index in 0 .. {len(SIDE_MCS) - 1}, got {self.side_mcs!r}")

    def base_bytes(self) -> bytes:
        body = _BASE.pack(HEADER_VERSION, self.stream_id, self.frame_index, self.frame_kind.encode(),
                          self.fragment, self.n_fragments, self.payload_len, self.power_scale,
                          len(self.side_info), self.side_mcs)
        return body + struct.pack(">I", zlib.crc32(body))

    @staticmethod
    def parse_base(data: bytes) -> tuple[BurstHeader, int] | None:
        """→ (header without side info, side_len), or None if the CRC, the version or the
        side-information MCS is wrong."""
        body, crc = data[:_BASE.size], data[_BASE.size:BASE_BYTES]
        if struct.unpack(">I", crc)[0] != zlib.crc32(body):
            return None
        ver, sid, idx, kind, frag, nfrag, plen, scale, side_len, mcs = _BASE.unpack(body)
        if ver != HEADER_VERSION or mcs >= len(SIDE_MCS):
            return None
        h = BurstHeader(sid, idx, kind.decode("latin-1"), frag, nfrag, plen, float(scale), None, mcs)
        return h, side_len


def _bits(data: bytes) -> np.ndarray:
    return np.unpackbits(np.frombuffer(data, np.uint8))


def _bytes(bits: np.ndarray) -> bytes:
    return np.packbits(bits.astype(np.uint8)).tobytes()


@lru_cache(maxsize=64)
def _code(k: int, rate: float, bits_per_symbol: int) -> LDPC5G:
    n = int(math.ceil(k / rate / bits_per_symbol)) * bits_per_symbol
    return LDPC5G(k, n)


@lru_cache(maxsize=16)
def _qam(bits_per_symbol: int) -> QAM:
    return QAM(bits_per_symbol, method="maxlog")   # exact for BPSK/QPSK (one level per bit and axis)


class HeaderCodec:
    """Header bits ↔ constellation symbols for one profile.

    Symbols per OFDM symbol: ``profile.n_data``; the base block and the side-information blocks
    are each padded to whole OFDM symbols. ``mcs`` arguments are side-information MCS indices
    (``radio.side_mcs``), 0 by default: the header's own code.
    """

    def __init__(self, profile: RadioProfile):
        self.profile = profile
        self.bps = profile.header_bits_per_symbol
        self.rate = profile.header_code_rate
        self.base_code = _code(BASE_BYTES * 8, self.rate, self.bps)
        self.n_base_symbols = -(-self.base_code.n // (profile.n_data * self.bps))

    def _side(self, mcs: int) -> tuple[int, float]:
        """(bits per symbol, code rate) of side-information MCS ``mcs``."""
        m: SideMCS = side_mcs(int(mcs))
        return m.code(self.profile)

    # ---- layout -------------------------------------------------------------------------
    def side_blocks(self, side_len: int) -> list[int]:
        """Bytes in each side-information block (side bytes + 4 CRC bytes, split in ≤128)."""
        if side_len == 0:
            return []
        total = side_len + 4
        return [min(SIDE_BLOCK_BYTES, total - i) for i in range(0, total, SIDE_BLOCK_BYTES)]

    def n_side_symbols(self, side_len: int, mcs: int = 0) -> int:
        """OFDM symbols of the side-information blocks."""
        bps, rate = self._side(mcs)
        coded = sum(_code(8 * b, rate, bps).n for b in self.side_blocks(side_len))
        return -(-coded // (self.profile.n_data * bps))

    def n_symbols(self, side_len: int, mcs: int = 0) -> int:
        """OFDM symbols of the whole header."""
        return self.n_base_symbols + self.n_side_symbols(side_len, mcs)

    # ---- transmit -----------------------------------------------------------------------
    def _map(self, coded: np.ndarray, n_ofdm: int, bps: int, seed: int) -> np.ndarray:
        """coded bits → complex64 [n_ofdm, n_data], padded with PN bits."""
        fill = n_ofdm * self.profile.n_data * bps - coded.size
        bits = np.concatenate([coded, pn_bits(fill, seed)]) if fill else coded
        return _qam(bps).map(bits).reshape(-1, self.profile.n_data).astype(np.complex64)

    def encode(self, header: BurstHeader) -> np.ndarray:
        """header → complex64 [n_symbols, n_data] constellation points (unit power)."""
        base = self.base_code.encode(_bits(header.base_bytes()))
        parts = [self._map(base, self.n_base_symbols, self.bps, 0x0BA5)]
        side = bytes(header.side_info)
        if side:
            bps, rate = self._side(header.side_mcs)
            stream = side + struct.pack(">I", zlib.crc32(side))
            coded, pos = [], 0
            for b in self.side_blocks(len(side)):
                coded.append(_code(8 * b, rate, bps).encode(_bits(stream[pos:pos + b])))
                pos += b
            parts.append(self._map(np.concatenate(coded), self.n_side_symbols(len(side), header.side_mcs),
                                   bps, 0x51DE))
        return np.concatenate(parts)

    # ---- receive ------------------------------------------------------------------------
    @staticmethod
    def _llr(symbols: np.ndarray, noise_var: np.ndarray, bps: int) -> np.ndarray:
        return np.asarray(_qam(bps).demap(symbols.reshape(-1), noise_var.reshape(-1)), np.float32).reshape(-1)

    def decode_base(self, symbols: np.ndarray, noise_var: np.ndarray) -> tuple[BurstHeader | None, int, str]:
        """symbols, noise_var [n_base_symbols, n_data] → (header or None, side_len, reason)."""
        llr = self._llr(symbols, noise_var, self.bps)[: self.base_code.n]
        bits, ok = self.base_code.decode(llr)
        if not ok:
            return None, 0, "header LDPC did not converge"
        parsed = BurstHeader.parse_base(_bytes(bits))
        if parsed is None:
            return None, 0, "header CRC-32 failed"
        return parsed[0], parsed[1], ""

    def decode_side(self, symbols: np.ndarray, noise_var: np.ndarray, side_len: int,
                    mcs: int = 0) -> bytes | None:
        """symbols, noise_var [n_side_symbols, n_data] → side bytes, or None if the CRC fails."""
        bps, rate = self._side(mcs)
        llr = self._llr(symbols, noise_var, bps)
        out, pos = [], 0
        for b in self.side_blocks(side_len):
            code = _code(8 * b, rate, bps)
            if pos + code.n > llr.size:      # fewer symbols than this MCS needs
                return None
            bits, _ = code.decode(llr[pos:pos + code.n])
            out.append(_bytes(bits))
            pos += code.n
        stream = b"".join(out)
        side, crc = stream[:side_len], stream[side_len:side_len + 4]
        if len(crc) != 4 or struct.unpack(">I", crc)[0] != zlib.crc32(side):
            return None
        return side

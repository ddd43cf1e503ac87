"""Cyclic redundancy checks on bit arrays: the 3GPP TS 38.212 5.1 CRCs and the standard CRC-32.

38.212 CRCs (CRC-24A/B/C, CRC-16, CRC-11, CRC-6): zero initial register, no reflection, no final XOR; the
parity bits p_0..p_{L-1} are appended after the message so that the whole sequence is divisible by the
generator polynomial (most significant coefficient first).
CRC-32: the zlib/Ethernet CRC (polynomial 0x04C11DB7 reflected, initial and final XOR 0xFFFFFFFF) of the
message read as bytes, 8 bits per byte, most significant bit first (``np.packbits``), so
``crc32_bits(bits) == zlib.crc32(np.packbits(bits).tobytes())``. Its 32 bits are appended most significant
bit first. The message length must then be a multiple of 8.
"""
from __future__ import annotations

import zlib

import numba as nb
import numpy as np

from radio.errors import RadioError

# Generator polynomials without the leading x^L term (38.212 5.1).
POLYNOMIALS = {
    "crc24a": (24, 0x864CFB),  # D^24+D^23+D^18+D^17+D^14+D^11+D^10+D^7+D^6+D^5+D^4+D^3+D+1
    "crc24b": (24, 0x800063),  # D^24+D^23+D^6+D^5+D+1
    "crc24c": (24, 0xB2B117),  # D^24+D^23+D^21+D^20+D^17+D^15+D^13+D^12+D^8+D^4+D^2+D+1
    "crc16": (16, 0x1021),  # D^16+D^12+D^5+1
    "crc11": (11, 0x621),  # D^11+D^10+D^9+D^5+1
    "crc6": (6, 0x21),  # D^6+D^5+1
}
KINDS = (*POLYNOMIALS, "crc32")


def crc_length(kind: str) -> int:
    """Number of parity bits of ``kind`` (e.g. 24 for "crc24a")."""
    return 32 if _kind(kind) == "crc32" else POLYNOMIALS[_kind(kind)][0]


@nb.njit(cache=True, nogil=True)
def _crc_msb_first(bits, width, poly):
    """Remainder of M(x) x^L mod G(x) for each row of bits uint8 [B, n]; returns uint64 [B]."""
    out = np.empty(bits.shape[0], np.uint64)
    mask = (np.uint64(1) << np.uint64(width)) - np.uint64(1)
    top = np.uint64(width - 1)
    p = np.uint64(poly)
    for b in range(bits.shape[0]):
        reg = np.uint64(0)
        for i in range(bits.shape[1]):
            fb = ((reg >> top) & np.uint64(1)) ^ np.uint64(bits[b, i])
            reg = (reg << np.uint64(1)) & mask
            if fb:
                reg ^= p
        out[b] = reg
    return out


def crc32_bits(bits) -> np.ndarray:
    """zlib CRC-32 of bits uint8 [..., 8m] (bytes MSB first) -> uint32 [...]."""
    b = _as_bits(bits)
    if b.shape[-1] % 8:
        raise RadioError(f"CRC-32 works on whole bytes; got {b.shape[-1]} bits")
    packed = np.packbits(_rows(b), axis=-1)
    return np.array([zlib.crc32(row.tobytes()) for row in packed], np.uint32).reshape(b.shape[:-1])


def crc_bits(bits, kind: str = "crc24a") -> np.ndarray:
    """Parity bits uint8 [..., L] of message bits uint8 [..., n] for ``kind`` (see KINDS)."""
    kind = _kind(kind)
    b = _as_bits(bits)
    if kind == "crc32":
        value = crc32_bits(b).astype(np.uint64)
        width = 32
    else:
        width, poly = POLYNOMIALS[kind]
        value = _crc_msb_first(np.ascontiguousarray(_rows(b)), width, poly).reshape(b.shape[:-1])
    shifts = np.arange(width - 1, -1, -1, dtype=np.uint64)
    return ((value[..., None] >> shifts) & np.uint64(1)).astype(np.uint8)


def attach_crc(bits, kind: str = "crc24a") -> np.ndarray:
    """Message bits uint8 [..., n] -> message followed by its parity bits, uint8 [..., n + L]."""
    b = _as_bits(bits)
    return np.concatenate([b, crc_bits(b, kind)], axis=-1)


def check_crc(bits, kind: str = "crc24a") -> tuple[np.ndarray, np.ndarray]:
    """Bits uint8 [..., n + L] with parity at the end -> (message uint8 [..., n], ok bool [...])."""
    b = _as_bits(bits)
    length = crc_length(kind)
    if b.shape[-1] < length:
        raise RadioError(f"{kind}: {b.shape[-1]} bits are fewer than the {length} parity bits")
    msg = b[..., : b.shape[-1] - length]
    ok = np.all(crc_bits(msg, kind) == b[..., b.shape[-1] - length:], axis=-1)
    return msg, ok


def _kind(kind: str) -> str:
    key = str(kind).lower().replace("-", "").replace("_", "")
    if key not in KINDS:
        raise RadioError(f"unknown CRC {kind!r}; known: {', '.join(KINDS)}")
    return key


def _rows(b: np.ndarray) -> np.ndarray:
    """[..., n] -> [B, n], also for n = 0."""
    return b.reshape(int(np.prod(b.shape[:-1])), b.shape[-1])


def _as_bits(bits) -> np.ndarray:
    b = np.asarray(bits)
    if b.ndim == 0:
        raise RadioError("CRC: expected a bit array [..., n]")
    u = b.astype(np.uint8)
    if u.size and (u.max() > 1 or (b.dtype != np.uint8 and not np.array_equal(u, b))):
        raise RadioError("CRC: bits must be 0 or 1")
    return u

"""The contract between the codec and the radio (docs/architecture.md).

numpy only, so the radio side, the link and the GUI can use it without importing torch.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

import numpy as np

from dvst.errors import DvstError

FRAME_KINDS = ("I", "P")


@dataclass
class EncodedFrame:
    """One coded frame, codec → link → radio.

    symbols: complex64 [K], unit average power; two real JSCC outputs per complex symbol.
    side_info: digital bytes (per-patch rate indices, shapes, model id) that must arrive intact.
    """

    index: int
    kind: str
    symbols: np.ndarray
    side_info: bytes

    _MAGIC = b"DVEF"

    def __post_init__(self) -> None:
        if self.kind not in FRAME_KINDS:
            raise DvstError(f"frame kind must be 'I' or 'P', got {self.kind!r}")
        self.symbols = np.ascontiguousarray(self.symbols, dtype=np.complex64).reshape(-1)

    def to_bytes(self) -> bytes:
        """Serialise: magic, index, kind, symbol count, side-info length, data, CRC-32."""
        body = struct.pack("<4sQcII", self._MAGIC, self.index, self.kind.encode(),
                           self.symbols.size, len(self.side_info))
        body += self.symbols.tobytes() + self.side_info
        return body + struct.pack("<I", zlib.crc32(body))

    @classmethod
    def from_bytes(cls, data: bytes) -> EncodedFrame:
        head = struct.calcsize("<4sQcII")
        if len(data) < head + 4 or data[:4] != cls._MAGIC:
            raise DvstError("not an encoded DVST frame")
        if zlib.crc32(data[:-4]) != struct.unpack("<I", data[-4:])[0]:
            raise DvstError("encoded frame is corrupt (CRC mismatch)")
        _, index, kind, n_sym, n_side = struct.unpack("<4sQcII", data[:head])
        if head + 8 * n_sym + n_side + 4 != len(data):
            raise DvstError("encoded frame has the wrong length")
        symbols = np.frombuffer(data, np.complex64, n_sym, head).copy()
        side = bytes(data[head + 8 * n_sym: head + 8 * n_sym + n_side])
        return cls(index=index, kind=kind.decode(), symbols=symbols, side_info=side)


@dataclass
class ReceivedFrame:
    """One received frame, radio → link → codec.

    symbols: complex64 [K], equalised. noise_var: float32 [K], effective noise variance of
    each symbol after equalisation (same unit-power scale as the transmitted symbols).
    side_info: None when its CRC failed. snr_db: measured by the receiver, not assumed.
    """

    index: int
    kind: str
    symbols: np.ndarray
    noise_var: np.ndarray
    side_info: bytes | None
    snr_db: float

    def __post_init__(self) -> None:
        if self.kind not in FRAME_KINDS:
            raise DvstError(f"frame kind must be 'I' or 'P', got {self.kind!r}")
        self.symbols = np.ascontiguousarray(self.symbols, dtype=np.complex64).reshape(-1)
        self.noise_var = np.ascontiguousarray(self.noise_var, dtype=np.float32).reshape(-1)
        if self.noise_var.size != self.symbols.size:
            raise DvstError("noise_var must have one entry per symbol")

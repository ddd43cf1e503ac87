"""Burst transmitter: header + analog payload → complex64 baseband at the profile's RMS level.

Burst layout (docs/radio.md): preamble (detection part, training part), header OFDM symbols
(base block, side-information blocks), payload OFDM symbols, then ``guard_samples`` zeros.
Pilots run through header and payload symbols with one polarity sequence.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from radio.analog import interleaver
from radio.errors import RadioError
from radio.header import BurstHeader, HeaderCodec
from radio.ofdm import OFDM, pn_symbols
from radio.preamble import Preamble
from radio.profile import RadioProfile

_FILLER_SEED = 0x7E57


class Transmitter:
    """``modulate(header, payload) -> complex64 samples`` for one profile."""

    def __init__(self, profile: RadioProfile):
        self.profile = profile
        self.ofdm = OFDM(profile)
        self.preamble = Preamble(profile)
        self.header_codec = HeaderCodec(profile)
        # Full-scale gain that puts a unit-power grid at tx_rms_dbfs
        self.gain = np.float32(10 ** (profile.tx_rms_dbfs / 20) / np.sqrt(profile.occupied_fraction))

    def n_payload_symbols(self, payload_len: int) -> int:
        """OFDM symbols that carry ``payload_len`` complex analog symbols."""
        return -(-payload_len // self.profile.n_data)

    def burst_length(self, payload_len: int, side_len: int = 0, side_mcs: int = 0) -> int:
        """Samples of a whole burst, guard included (``side_mcs``: radio.side_mcs index)."""
        n_sym = self.header_codec.n_symbols(side_len, side_mcs) + self.n_payload_symbols(payload_len)
        return self.preamble.length + n_sym * self.profile.symbol_len + self.profile.guard_samples

    def modulate(self, header: BurstHeader, payload: np.ndarray) -> np.ndarray:
        """header: BurstHeader (payload_len None or equal to the payload's length);
        payload: complex [K] analog symbols, unit average power expected.
        Returns complex64 [burst_length] in full-scale units."""
        p = self.profile
        x = np.asarray(payload)
        if x.dtype.kind not in "fcbiu":
            raise RadioError(f"payload must be numeric, got dtype {x.dtype}")
        x = x.astype(np.complex64).reshape(-1)
        if not np.all(np.isfinite(x)):
            raise RadioError("payload contains NaN or inf")
        if x.size > p.max_payload_symbols:
            raise RadioError(f"payload of {x.size} symbols exceeds "
                            f"max_payload_symbols={p.max_payload_symbols}")
        if header.payload_len is None:
            header = dataclasses.replace(header, payload_len=int(x.size))
        elif header.payload_len != x.size:
            raise RadioError(f"header says payload_len={header.payload_len} "
                            f"but the payload has {x.size} symbols")
        if header.side_info is None:
            header = dataclasses.replace(header, side_info=b"")
        header.validate()
        if len(header.side_info) > p.max_side_info_bytes:
            raise RadioError(f"side_info of {len(header.side_info)} bytes exceeds "
                            f"max_side_info_bytes={p.max_side_info_bytes}")
        head = self.header_codec.encode(header)
        n_pl = self.n_payload_symbols(x.size)
        positions = n_pl * p.n_data
        order = interleaver(positions, p.n_data) if p.interleave else np.arange(positions)
        flat = np.empty(positions, np.complex64)
        flat[order[: x.size]] = x
        flat[order[x.size:]] = pn_symbols(positions - x.size, _FILLER_SEED, 2)  # < n_data unit-power fillers
        data = np.concatenate([head, flat.reshape(n_pl, p.n_data)])
        body = self.ofdm.modulate(self.ofdm.grid_with_pilots(data, first=0))
        burst = np.concatenate([self.preamble.waveform, body, np.zeros(p.guard_samples, np.complex64)])
        return (burst * self.gain).astype(np.complex64)

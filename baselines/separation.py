"""The separation baseline: an H.264/H.265 bitstream over 5G NR LDPC + QAM.

Transmitter: the SEI-free Annex-B stream of the clip (frames back to back) is cut into
code blocks of k − 24 bits, each gets a CRC-24A (as 5G does for every code block), is
LDPC-encoded to n bits (the paper's codes (6144,4096), (8192,4096), (6144,2048)),
scrambled with a fixed pseudo-random sequence, and Gray-mapped onto 4/16/64-QAM (3GPP
labelling, unit average power). The last code block is zero-padded; its padding is sent and
counted.

Channel: ``baselines.numpy_channel`` (Es/N0 per complex symbol; AWGN or fast Rayleigh with ideal
equalisation), the same convention as the codec's simulation.

Receiver: max-log LLRs with the per-symbol noise variance, descrambling, layered min-sum
LDPC decoding; a code block is good when its parity checks hold **and** its CRC matches.
A frame whose bits touch a failed code block is lost. What the receiver then does
(``h26x.decode``): the lost frame and every later frame of its GOP (which reference it)
are not decoded; the last good frame is shown until the next IDR. Losses are reported.

Payload CBR: coded bits / bits per QAM symbol (rounded up to whole symbols) per source value
H·W·3; a frame is charged for the code-block share its bits occupy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from baselines import h26x
from baselines import numpy_channel as symbol_channel
from baselines.errors import BaselineError
from baselines.result import SchemeResult

CODES = ("6144_4096", "8192_4096", "6144_2048")
QAM_ORDERS = {2: "4-QAM", 4: "16-QAM", 6: "64-QAM"}
CRC_BITS = 24
BATCH = 128  # code blocks per decoder call: bounds memory on long clips
SCRAMBLER_SEED = 0x5EED


@dataclass(frozen=True)
class MCS:
    """One code × modulation pair: a paper LDPC code name and QAM bits per symbol."""

    code: str
    bits_per_symbol: int

    @property
    def label(self) -> str:
        n, k = self.code.split("_")
        return f"LDPC({n},{k}) {QAM_ORDERS[self.bits_per_symbol]}"

    @property
    def key(self) -> str:
        return f"{self.code}_qam{2 ** self.bits_per_symbol}"


ALL_MCS = tuple(MCS(c, m) for c in CODES for m in QAM_ORDERS)


def at_least_as_robust(a: MCS, b: MCS) -> bool:
    """True if ``a`` is at least as robust as ``b``: code rate and QAM order both ≤ b's."""
    rate = {c: int(c.split("_")[1]) / int(c.split("_")[0]) for c in CODES}
    return rate[a.code] <= rate[b.code] and a.bits_per_symbol <= b.bits_per_symbol


def parse_mcs(text: str) -> MCS:
    """"6144_4096_qam16" → MCS; a bad name is a BaselineError."""
    for m in ALL_MCS:
        if m.key == text:
            return m
    raise BaselineError(f"unknown code/modulation {text!r}; known: {', '.join(m.key for m in ALL_MCS)}")


class DigitalLink:
    """Bits → CRC-24A code blocks → LDPC → scrambling → QAM → channel → back, for one MCS."""

    def __init__(self, code: str, bits_per_symbol: int, max_iter: int = 20):
        from radio.fec.ldpc import paper_code
        from radio.mapping.qam import QAM

        if code not in CODES:
            raise BaselineError(f"unknown LDPC code {code!r}; known: {', '.join(CODES)}")
        if bits_per_symbol not in QAM_ORDERS:
            raise BaselineError(f"bits per QAM symbol must be 2, 4 or 6, got {bits_per_symbol}")
        self.mcs = MCS(code, int(bits_per_symbol))
        self.ldpc = paper_code(code)
        self.qam = QAM(int(bits_per_symbol))
        self.max_iter = int(max_iter)
        self.payload_bits = self.ldpc.k - CRC_BITS

    @property
    def label(self) -> str:
        return self.mcs.label

    def n_codewords(self, n_bits: int) -> int:
        return max(1, math.ceil(int(n_bits) / self.payload_bits))

    def n_symbols(self, n_bits: int) -> int:
        """Complex symbols that carry ``n_bits`` payload bits."""
        return math.ceil(self.n_codewords(n_bits) * self.ldpc.n / self.mcs.bits_per_symbol)

    def _scrambler(self, n: int) -> np.ndarray:
        return np.random.default_rng(SCRAMBLER_SEED).integers(0, 2, n, dtype=np.uint8)

    def transmit_codewords(self, bits: np.ndarray, snr_db: float, channel: str = "awgn",
                           rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Send payload bits uint8 [N]; returns (received bits uint8 [N], ok bool [C] per code block).

        Bits of failed code blocks are returned as the decoder left them; callers must use ``ok``.
        """
        from radio.fec.crc import attach_crc, check_crc

        symbol_channel.check_channel(channel)
        rng = np.random.default_rng(0) if rng is None else rng
        bits = np.asarray(bits, np.uint8).reshape(-1)
        n_cw = self.n_codewords(bits.size)
        m, n = self.mcs.bits_per_symbol, self.ldpc.n
        out = np.empty(n_cw * self.payload_bits, np.uint8)
        ok = np.empty(n_cw, bool)
        padded = np.zeros(n_cw * self.payload_bits, np.uint8)
        padded[: bits.size] = bits
        blocks = padded.reshape(n_cw, self.payload_bits)
        for b0 in range(0, n_cw, BATCH):
            blk = blocks[b0: b0 + BATCH]
            coded = self.ldpc.encode(attach_crc(blk, "crc24a")).reshape(-1)
            scr = self._scrambler(coded.size)
            n_sym = math.ceil(coded.size / m)
            tx_bits = np.zeros(n_sym * m, np.uint8)
            tx_bits[: coded.size] = coded ^ scr
            s = self.qam.map(tx_bits)
            r, nv = symbol_channel.transmit(s, snr_db, channel, rng)
            llr = self.qam.demap(r, nv).reshape(-1)[: coded.size]
            llr = np.where(scr == 1, -llr, llr).astype(np.float32).reshape(-1, n)
            dec, parity_ok = self.ldpc.decode(llr, self.max_iter)
            crc_ok = check_crc(dec, "crc24a")[1]
            ok[b0: b0 + blk.shape[0]] = parity_ok & crc_ok
            span = slice(b0 * self.payload_bits, (b0 + blk.shape[0]) * self.payload_bits)
            out[span] = dec[:, : self.payload_bits].reshape(-1)
        return out[: bits.size], ok

    def transmit(self, bits: np.ndarray, snr_db: float, channel: str = "awgn",
                 rng: np.random.Generator | None = None) -> tuple[np.ndarray, bool]:
        """Send bits that must arrive whole (metadata); returns (bits, every code block ok)."""
        out, ok = self.transmit_codewords(bits, snr_db, channel, rng)
        return out, bool(ok.all())


def frame_symbols(frame_bits: np.ndarray, link: DigitalLink) -> np.ndarray:
    """float64 [T]: channel symbols charged to each frame (the padding of the last code block
    and the rounding to whole symbols go to the last frame; the sum is ``link.n_symbols``)."""
    fb = np.asarray(frame_bits, np.float64)
    per_bit = link.ldpc.n / link.payload_bits / link.mcs.bits_per_symbol
    sym = fb * per_bit
    sym[-1] += link.n_symbols(int(fb.sum())) - sym.sum()
    return sym


def lost_frames(frame_bits: np.ndarray, ok: np.ndarray, payload_bits: int) -> np.ndarray:
    """bool [T]: frames whose bit range touches a failed code block."""
    ends = np.cumsum(frame_bits)
    starts = ends - frame_bits
    bad = np.flatnonzero(~np.asarray(ok, bool))
    lost = np.zeros(len(frame_bits), bool)
    for i, (a, e) in enumerate(zip(starts, ends)):
        if e > a:
            first, last = a // payload_bits, (e - 1) // payload_bits
            lost[i] = bool(np.any((bad >= first) & (bad <= last)))
    return lost


def run(stream: h26x.Bitstream, link: DigitalLink, snr_db: float, channel: str = "awgn",
        seed: int = 0) -> SchemeResult:
    """Send ``stream`` over ``link`` at ``snr_db`` and decode what arrives with the real decoder."""
    rng = np.random.default_rng(seed)
    payload = np.frombuffer(stream.payload(), np.uint8)
    bits = np.unpackbits(payload)
    rx_bits, ok = link.transmit_codewords(bits, snr_db, channel, rng)
    fb = stream.frame_bits
    lost = lost_frames(fb, ok, link.payload_bits)
    # Intact frames carry exactly the bits that were sent (CRC-checked); rebuild the stream
    # from what was received so the decoder sees the channel's output, not the encoder's.
    rx_bytes = np.packbits(rx_bits).tobytes()
    ends = np.cumsum(fb // 8)
    received = h26x.Bitstream(stream.codec, stream.width, stream.height, stream.gop,
                              [rx_bytes[e - len(f): e] for f, e in zip(stream.frames, ends)],
                              list(stream.kinds), dict(stream.rate))
    frames, shown = h26x.decode(received, ~lost)
    info = {"mcs": link.mcs.key, "label": link.label, "codewords": int(ok.size),
            "codewords_lost": int((~ok).sum()), "frames_lost": int(lost.sum()),
            "frames_not_shown": int((~shown).sum()), **{k: v for k, v in stream.rate.items()},
            "codec": stream.codec, "stream_bits": int(stream.n_bits)}
    return SchemeResult(frames, frame_symbols(fb, link), shown, info)

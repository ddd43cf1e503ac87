"""The side-information MCS: the modulation and LDPC code rate of a burst's side-information
blocks, chosen from the SNR the link is configured for.

The base header block always travels at the profile's robust header code
(``header_bits_per_symbol``, ``header_code_rate``: QPSK rate 1/5 by default); it names the
side-information MCS in one byte, so the receiver needs no configuration. Index 0 is that same
robust code; the others trade robustness for symbols (``symbols_per_bit``).

``min_snr_db`` is the lowest in-band SNR on AWGN from which on every one of 1,000 bursts
carrying 18 bytes of side information (a 416×240 DVST frame) decoded through the whole radio
(Transmitter → LoopbackChannel → Receiver), on a 0.5 dB grid: ``dvst bench sideinfo``
reproduces the table (docs/radio.md). ``choose_side_mcs`` adds ``SIDE_MCS_MARGIN_DB`` on top
for fading, estimation error and the gap between set and real SNR.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from radio.errors import RadioError

#: dB kept between an MCS's AWGN threshold and the configured SNR
SIDE_MCS_MARGIN_DB = 3.0


@dataclass(frozen=True)
class SideMCS:
    """One side-information modulation and coding scheme.

    index: the value the base header carries (u8). bits_per_symbol: 1, 2, 4 or 6 (BPSK … 64-QAM);
    None for index 0, which takes the profile's header code. code_rate: LDPC rate (5G NR base
    graph 2, 1/5 … 2/3); None for index 0. min_snr_db: AWGN threshold (module docstring).
    """

    index: int
    name: str
    bits_per_symbol: int | None
    code_rate: float | None
    min_snr_db: float

    def code(self, profile=None) -> tuple[int, float]:
        """(bits per symbol, code rate) this MCS uses with ``profile`` (None: the default profile)."""
        if self.bits_per_symbol is None:
            if profile is None:
                from radio.profile import RadioProfile

                profile = RadioProfile()
            return profile.header_bits_per_symbol, profile.header_code_rate
        return self.bits_per_symbol, self.code_rate

    def symbols_per_bit(self, profile=None) -> float:
        """Complex channel symbols per side-information bit (before CRC and padding)."""
        bps, rate = self.code(profile)
        return 1.0 / (bps * rate)


ROBUST = SideMCS(0, "header", None, None, -math.inf)

#: every side-information MCS, by index (the header's u8)
SIDE_MCS: tuple[SideMCS, ...] = (
    ROBUST,
    SideMCS(1, "qpsk-1/3", 2, 1 / 3, 2.0),
    SideMCS(2, "qpsk-1/2", 2, 1 / 2, 4.0),
    SideMCS(3, "qpsk-2/3", 2, 2 / 3, 6.5),
    SideMCS(4, "16qam-1/2", 4, 1 / 2, 9.0),
    SideMCS(5, "16qam-2/3", 4, 2 / 3, 12.0),
    SideMCS(6, "64qam-2/3", 6, 2 / 3, 17.0),
)


def side_mcs(key: int | str) -> SideMCS:
    """The MCS with this index (as the header carries it) or name (``header``, ``qpsk-1/2``, …)."""
    for m in SIDE_MCS:
        if key == m.index or key == m.name:
            return m
    names = ", ".join(m.name for m in SIDE_MCS)
    raise RadioError(f"unknown side-information MCS {key!r}; known: {names}")


def choose_side_mcs(snr_db: float | None, margin_db: float = SIDE_MCS_MARGIN_DB) -> SideMCS:
    """The cheapest MCS whose AWGN threshold lies ``margin_db`` below ``snr_db``; the robust
    header code when the SNR is unknown (None) or too low for any other."""
    if snr_db is None or not math.isfinite(snr_db):
        return ROBUST
    fit = [m for m in SIDE_MCS if m.min_snr_db + margin_db <= snr_db]
    return fit[-1] if fit else ROBUST


def resolve_side_mcs(setting: str, snr_db: float | None) -> SideMCS:
    """What a link sends its side information with: ``setting`` "auto" picks from ``snr_db``
    (:func:`choose_side_mcs`), a name fixes it."""
    return choose_side_mcs(snr_db) if setting == "auto" else side_mcs(setting)

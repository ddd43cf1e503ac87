"""The side-information MCS (radio/side_mcs.py): the header names it, the radio codes the side
information with it, the link picks it from its SNR, and every count follows it."""

from __future__ import annotations

import numpy as np
import pytest

from radio.errors import RadioError
from radio.header import BurstHeader, HeaderCodec
from radio.profile import load_profile
from radio.side_mcs import ROBUST, SIDE_MCS, choose_side_mcs, side_mcs


@pytest.fixture(scope="module")
def profile():
    return load_profile("default")


def test_table_gets_cheaper_and_needs_more_snr(profile):
    spb = [m.symbols_per_bit(profile) for m in SIDE_MCS]
    thresholds = [m.min_snr_db for m in SIDE_MCS]
    assert spb == sorted(spb, reverse=True) and len(set(spb)) == len(spb)
    assert thresholds == sorted(thresholds) and len(set(thresholds)) == len(thresholds)
    assert [m.index for m in SIDE_MCS] == list(range(len(SIDE_MCS)))
    assert ROBUST.code(profile) == (profile.header_bits_per_symbol, profile.header_code_rate)
    assert side_mcs("16qam-2/3") is side_mcs(5)
    with pytest.raises(RadioError, match="unknown side-information MCS"):
        side_mcs("8psk-1/2")


@pytest.mark.parametrize("snr,name", [(None, "header"), (float("nan"), "header"), (-5.0, "header"),
                                      (4.9, "header"), (5.0, "qpsk-1/3"), (10.0, "qpsk-2/3"),
                                      (15.0, "16qam-2/3"), (25.0, "64qam-2/3")])
def test_choice_keeps_the_margin(snr, name):
    m = choose_side_mcs(snr)
    assert m.name == name
    if snr is not None and np.isfinite(snr) and m is not ROBUST:
        assert m.min_snr_db + 3.0 <= snr


@pytest.mark.parametrize("mcs", range(len(SIDE_MCS)))
def test_header_names_the_mcs_and_the_side_info_round_trips(profile, mcs):
    codec = HeaderCodec(profile)
    side = bytes(range(200))                     # two side blocks
    h = BurstHeader(frame_index=9, payload_len=100, side_info=side, side_mcs=mcs)
    pts = codec.encode(h)
    assert pts.shape == (codec.n_symbols(len(side), mcs), profile.n_data)
    nb = codec.n_base_symbols
    var = np.full(pts.shape, 1e-3, np.float32)
    got, side_len, reason = codec.decode_base(pts[:nb], var[:nb])
    assert reason == "" and got.side_mcs == mcs and side_len == len(side)
    assert codec.decode_side(pts[nb:], var[nb:], side_len, mcs) == side
    if mcs:   # read at another MCS, the side information fails its CRC instead of passing wrong
        assert codec.decode_side(pts[nb:], var[nb:], side_len, 0) is None


def test_cheaper_mcs_takes_fewer_symbols(profile):
    codec = HeaderCodec(profile)
    n = [codec.n_side_symbols(300, m.index) for m in SIDE_MCS]
    assert n == sorted(n, reverse=True) and n[-1] * 6 < n[0]


def test_header_refuses_an_unknown_mcs(profile):
    with pytest.raises(RadioError, match="side_mcs"):
        BurstHeader(payload_len=1, side_mcs=len(SIDE_MCS)).validate()
    good = BurstHeader(payload_len=1, side_mcs=2).base_bytes()
    body = bytearray(good[:-4])
    body[-1] = len(SIDE_MCS)                     # a CRC-correct base block naming an unknown MCS
    import struct
    import zlib

    bad = bytes(body) + struct.pack(">I", zlib.crc32(bytes(body)))
    assert BurstHeader.parse_base(good) is not None and BurstHeader.parse_base(bad) is None


@pytest.mark.parametrize("snr", [0.0, 5.0, 10.0, 15.0, 20.0])
def test_the_chosen_mcs_arrives_through_the_radio_at_its_snr(profile, snr):
    """What the link picks for an SNR decodes at that SNR on AWGN, detection and estimation
    included: 100 bursts with a 416×240 frame's 18 bytes, none lost."""
    from dvst.bench.sideinfo import side_bler

    assert side_bler(profile, choose_side_mcs(snr).index, snr, 100, 18, seed=3) == 0.0


def test_phy_modem_picks_the_mcs_from_the_configured_snr(profile):
    from dvst.link.framing import Fragment
    from dvst.link.phy import PhyModem

    side = bytes(range(18))
    frag = Fragment(frame_index=4, kind="I", fragment=0, n_fragments=1, header_bytes=side,
                    payload=(np.ones(300) * (1 + 1j) / np.sqrt(2)).astype(np.complex64))
    sent = {}
    rng = np.random.default_rng(0)
    for setting, snr in (("auto", 15.0), ("auto", 0.0), ("header", 15.0)):
        modem = PhyModem(profile, side_mcs=setting)
        samples, n_side = modem.modulate(frag, 7, snr)
        x = np.concatenate([np.zeros(500, np.complex64), samples, np.zeros(3000, np.complex64)])
        sigma = 0.01 * np.sqrt(np.mean(np.abs(samples) ** 2) / 2)    # about 40 dB
        got = modem.demodulate((x + sigma * (rng.standard_normal(x.size) + 1j * rng.standard_normal(x.size)))
                               .astype(np.complex64))
        assert len(got) == 1 and got[0].header_bytes == side
        assert got[0].phy.n_header_symbols == n_side
        assert got[0].phy.n_air_samples == samples.size
        sent[(setting, snr)] = n_side
    assert sent[("auto", 15.0)] * 3 < sent[("auto", 0.0)] == sent[("header", 15.0)]


def test_link_config_refuses_an_unknown_mcs():
    from dvst.link.link_config import LinkConfig
    from foundation.errors import ParameterError

    assert LinkConfig(side_mcs="qpsk-1/2").side_mcs == "qpsk-1/2"
    with pytest.raises(ParameterError, match="unknown side-information MCS"):
        LinkConfig(side_mcs="qpsk-9/10")


def test_codec_level_count_follows_the_mcs():
    """dvst eval / the zoo / bench rd count the side information at the MCS a link configured for
    their SNR sends it with; the robust count stays the training curve's."""
    from dvst.codec.sideinfo import ROBUST_COUNT, SIDE_INFO_SYMBOLS_PER_BIT, side_symbols
    from radio.side_mcs import resolve_side_mcs

    assert ROBUST_COUNT.symbols_per_bit == SIDE_INFO_SYMBOLS_PER_BIT == ROBUST.symbols_per_bit()
    assert resolve_side_mcs("header", 10.0) is ROBUST
    mcs = resolve_side_mcs("auto", 10.0)
    assert mcs.name == "qpsk-2/3" and mcs.symbols_per_bit() == pytest.approx(0.75)
    assert side_symbols(18, mcs.symbols_per_bit()) == pytest.approx(108.0)
    with pytest.raises(RadioError):
        resolve_side_mcs("qpsk-7/8", 10.0)

"""The separation chain (H.26x + CRC + 5G LDPC + QAM over the symbol channel) and SoftCast's
digital metadata, with the real LDPC decoder and the real video decoder."""

import math

import numpy as np
import pytest

from baselines import h26x, separation
from baselines.softcast import SoftCast
from dvst.io.demo import demo_frames
from foundation.errors import ProjectError

T, H, W = 8, 144, 176


@pytest.fixture(scope="module")
def stream():
    frames = demo_frames(T, (W, H))
    s = h26x.encode(frames, "h264", gop=4, qp=34)
    return s, h26x.decode(s)[0]


def test_bit_exact_above_threshold(stream):
    s, clean = stream
    link = separation.DigitalLink("6144_4096", 4)  # the paper's choice at 10 dB
    res = separation.run(s, link, 13.0, seed=1)
    assert res.info["codewords_lost"] == 0 and res.info["frames_lost"] == 0
    assert res.shown.all()
    assert np.array_equal(res.frames, clean)  # identical to the encoder's own reconstruction


def test_everything_lost_far_below_threshold(stream):
    s, _ = stream
    res = separation.run(s, separation.DigitalLink("6144_4096", 6), 3.0, seed=1)
    assert res.info["codewords_lost"] == res.info["codewords"]
    assert res.info["frames_lost"] == T and not res.shown.any()
    assert (res.frames == 128).all()  # nothing ever decoded: the receiver shows mid-grey


def test_losses_near_threshold_follow_the_receiver_policy(stream):
    s, clean = stream
    link = separation.DigitalLink("6144_4096", 2)
    partial = None
    for snr in np.arange(0.6, 3.01, 0.2):
        res = separation.run(s, link, float(snr), seed=2)
        if 0 < res.info["codewords_lost"] < res.info["codewords"]:
            partial = res
            break
    assert partial is not None, "no SNR between 0.6 and 3 dB gave partial codeword losses"
    shown = partial.shown
    assert not shown.all()
    for t in range(T):
        if shown[t]:
            assert np.array_equal(partial.frames[t], clean[t])
            if t % 4:  # a P-frame is only shown if its whole GOP prefix was
                assert shown[t - t % 4: t].all()
        else:
            prev = partial.frames[t - 1] if t else np.full_like(clean[0], 128)
            assert np.array_equal(partial.frames[t], prev)  # last good frame repeated


def test_lost_frame_mapping_by_hand():
    # frames of 10, 5, 20 bits in code blocks of 8 payload bits: blocks 0..4 cover bits 0..39
    fb = np.array([10, 5, 20])
    assert separation.lost_frames(fb, np.array([1, 1, 1, 1, 1], bool), 8).tolist() == [False, False, False]
    assert separation.lost_frames(fb, np.array([0, 1, 1, 1, 1], bool), 8).tolist() == [True, False, False]
    assert separation.lost_frames(fb, np.array([1, 0, 1, 1, 1], bool), 8).tolist() == [True, True, True]
    assert separation.lost_frames(fb, np.array([1, 1, 0, 1, 1], bool), 8).tolist() == [False, False, True]
    assert separation.lost_frames(fb, np.array([1, 1, 1, 1, 0], bool), 8).tolist() == [False, False, True]


@pytest.mark.parametrize("code,m", [("6144_4096", 4), ("8192_4096", 6), ("6144_2048", 2)])
def test_cbr_by_hand(stream, code, m):
    s, _ = stream
    n, k = (int(v) for v in code.split("_"))
    link = separation.DigitalLink(code, m)
    blocks = math.ceil(s.n_bits / (k - 24))  # CRC-24A in every code block
    symbols = math.ceil(blocks * n / m)
    assert link.n_symbols(s.n_bits) == symbols
    res = separation.run(s, link, 30.0)
    assert res.symbols.sum() == pytest.approx(symbols)
    assert res.cbr() == pytest.approx(symbols / (T * H * W * 3))
    # a frame is charged in proportion to its bits
    per_bit = n / (k - 24) / m
    assert res.symbols[:-1] == pytest.approx(s.frame_bits[:-1] * per_bit)


def test_robustness_order():
    m = separation.MCS
    assert separation.at_least_as_robust(m("6144_2048", 2), m("6144_4096", 6))
    assert separation.at_least_as_robust(m("8192_4096", 4), m("8192_4096", 4))
    assert not separation.at_least_as_robust(m("6144_2048", 6), m("6144_4096", 2))  # not comparable
    assert not separation.at_least_as_robust(m("6144_4096", 4), m("8192_4096", 4))


def test_digital_link_bad_input():
    with pytest.raises(ProjectError, match="unknown LDPC code"):
        separation.DigitalLink("1000_500", 4)
    with pytest.raises(ProjectError, match="bits per QAM symbol"):
        separation.DigitalLink("6144_4096", 3)
    with pytest.raises(ProjectError, match="unknown code/modulation"):
        separation.parse_mcs("6144_4096_qam32")
    assert separation.parse_mcs("6144_4096_qam16") == separation.MCS("6144_4096", 4)


def test_softcast_metadata_goes_through_the_real_link():
    frames = demo_frames(4, (64, 48))
    sc = SoftCast(grid=(4, 4))
    meta = sc.metadata_bits(4)
    assert sc.metadata_link.n_symbols(meta) == math.ceil(meta / 2024) * 3072
    ok = sc.run(frames, 0.3, 10.0, seed=4)
    assert ok.shown.all() and ok.info["gops_metadata_lost"] == 0
    lost = sc.run(frames, 0.3, -8.0, seed=4)  # rate-1/3 QPSK cannot carry the metadata here
    assert lost.info["gops_metadata_lost"] == 1 and not lost.shown.any()
    assert (lost.frames == 128).all()

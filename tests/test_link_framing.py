"""dvst.link framing (frames ↔ fragments) and the concealment state machine, no radio."""

import numpy as np
import pytest

from dvst.frames import EncodedFrame
from dvst.link.concealment import CONCEAL, DECODE, WAIT, ConcealmentPolicy
from dvst.link.framing import (
    LINK_HEADER_BYTES,
    FramerLimits,
    Reassembler,
    ReceivedFragment,
    combined_snr_db,
    model_tag,
    split_frame,
)
from foundation.errors import ProjectError


def _frame(index=3, kind="P", k=1000, side=300, seed=0):
    rng = np.random.default_rng(seed)
    sym = (rng.normal(size=k) + 1j * rng.normal(size=k)).astype(np.complex64) / np.sqrt(2)
    return EncodedFrame(index, kind, sym, bytes(rng.integers(0, 256, side, dtype=np.uint8)))


def _receive(frags, stream_id=7, snr_db=10.0, drop=()):
    out = []
    for f in frags:
        if f.fragment in drop:
            continue
        nv = np.full(f.payload.size, 10 ** (-snr_db / 10), np.float32)
        out.append(ReceivedFragment(stream_id, f.frame_index, f.kind, f.fragment, f.n_fragments,
                                    f.header_bytes, f.payload.copy(), nv, snr_db))
    return out


def test_split_and_reassemble_round_trip_over_many_fragments():
    frame = _frame(k=1000, side=300)
    tag = model_tag("small:abc")
    frags = split_frame(frame, FramerLimits(max_payload_symbols=128, max_side_bytes=64), tag)
    assert len(frags) == max(-(-1000 // 128), -(-300 // (64 - LINK_HEADER_BYTES)))
    assert all(len(f.header_bytes) <= 64 and f.payload.size <= 128 for f in frags)
    assert sum(f.payload.size for f in frags) == 1000
    r = Reassembler(expected_tag=tag)
    closed = [a for g in _receive(frags) for a in r.push(g)]
    assert len(closed) == 1 and closed[0].complete
    got = closed[0].frame
    assert got.index == 3 and got.kind == "P" and got.side_info == frame.side_info
    np.testing.assert_array_equal(got.symbols, frame.symbols)
    assert got.noise_var.shape == (1000,) and got.snr_db == pytest.approx(10.0)


def test_one_burst_when_it_fits_and_empty_side_info():
    frame = _frame(k=50, side=0)
    frags = split_frame(frame, FramerLimits(4096, 4096), 1)
    assert len(frags) == 1 and len(frags[0].header_bytes) == LINK_HEADER_BYTES
    r = Reassembler(1)
    (a,) = r.push(_receive(frags)[0])
    assert a.complete and a.frame.side_info == b"" and a.frame.symbols.size == 50


def test_missing_fragment_closes_incomplete_on_next_frame_and_on_flush():
    lim = FramerLimits(100, 64)
    f1, f2 = split_frame(_frame(1, k=350, side=100), lim, 5), split_frame(_frame(2, k=350, side=100), lim, 5)
    r = Reassembler(5)
    out = [a for g in _receive(f1, drop={2}) + _receive(f2, drop={0}) for a in r.push(g)]
    assert [(a.index, a.complete) for a in out] == [(1, False)]
    assert "1 of 4 bursts missing" in out[0].reason
    (last,) = r.flush()
    assert last.index == 2 and not last.complete and len(last.fragments) == 3
    assert r.flush() == []


def test_wrong_model_is_refused_and_counted():
    frags = split_frame(_frame(), FramerLimits(4096, 4096), model_tag("paper:1"))
    r = Reassembler(model_tag("small:1"))
    (a,) = r.push(_receive(frags)[0])
    assert not a.complete and "another model" in a.reason and r.refused_model == 1


def test_limits_and_oversize_frames_are_errors():
    with pytest.raises(ProjectError):
        FramerLimits(0, 100)
    with pytest.raises(ProjectError):
        FramerLimits(10, LINK_HEADER_BYTES)
    with pytest.raises(ProjectError, match="too large"):
        split_frame(_frame(side=70000), FramerLimits(10, 100000), 0)


def test_combined_snr_is_noise_weighted():
    assert combined_snr_db([10.0, 10.0], [5, 7]) == pytest.approx(10.0)
    # equal weights: mean noise of 0.1 and 1.0 → 0.55 → 2.6 dB, not the dB mean of 5 dB
    assert combined_snr_db([10.0, 0.0], [1, 1]) == pytest.approx(-10 * np.log10(0.55))


def _actions(policy, events):
    out = []
    for ev in events:
        for d in policy.on_frame(*ev):
            out.append((d.index, d.action))
            if d.action == DECODE:
                policy.decoded(d.index)
    return out


def test_policy_conceals_until_next_i_frame_after_a_loss():
    p = ConcealmentPolicy()
    kinds = ["I", "P", "P", "P"] * 3
    events = [(1, i, kinds[i], i != 5) for i in range(12)]
    got = _actions(p, events)
    assert [a for _, a in got] == [DECODE] * 5 + [CONCEAL] * 3 + [DECODE] * 4


def test_policy_fills_gaps_and_waits_before_lock():
    p = ConcealmentPolicy()
    kinds = ["I", "P", "P", "P"] * 3
    # receiver started mid-stream: hears frames 2, 3, then misses 4 and 5 entirely
    events = [(9, i, kinds[i], True) for i in (2, 3, 6, 7, 8, 9)]
    got = _actions(p, events)
    assert got == [(2, WAIT), (3, WAIT), (4, WAIT), (5, WAIT), (6, WAIT), (7, WAIT),
                   (8, DECODE), (9, DECODE)]
    assert [(d.index, d.action) for d in p.finish(12)] == [(10, CONCEAL), (11, CONCEAL)]


def test_policy_ignores_duplicates_and_resets_on_new_stream():
    p = ConcealmentPolicy()
    assert _actions(p, [(1, 0, "I", True), (1, 1, "P", True), (1, 1, "P", True)]) == [(0, DECODE), (1, DECODE)]
    # the transmitter restarted: frame 0 of a new stream; a P-frame from it needs its own I first
    assert _actions(p, [(2, 1, "P", True), (2, 2, "P", True), (2, 4, "I", True)]) == [
        (1, CONCEAL), (2, CONCEAL), (3, CONCEAL), (4, DECODE)]


def test_policy_treats_a_restart_with_the_same_stream_id_as_a_new_stream():
    p = ConcealmentPolicy()
    kinds = ["I", "P", "P", "P"] * 10
    _actions(p, [(3, i, kinds[i], True) for i in range(30)])
    # the transmitter restarts (same id by chance): frame 0 again, an I-frame
    assert _actions(p, [(3, 0, "I", True), (3, 1, "P", True)]) == [(0, DECODE), (1, DECODE)]


def test_codec_side_info_count_matches_the_radio_header_code():
    """The codec's payload-CBR count of side information is what the default radio spends on it
    (QPSK, rate 1/5), short only of the side CRC-32 and the padding to whole OFDM symbols."""
    from dvst.codec.sideinfo import side_symbols
    from radio.header import HeaderCodec
    from radio.profile import load_profile

    profile = load_profile("default")
    codec = HeaderCodec(profile)
    for n_bytes in (13, 40, 200, 1000):
        radio_symbols = codec.n_side_symbols(n_bytes) * profile.n_data
        counted = side_symbols(n_bytes)
        assert counted <= radio_symbols
        assert radio_symbols < side_symbols(n_bytes + 4) + profile.n_data   # CRC-32 + padding only

"""H.264/H.265 through PyAV, "+ Capacity", SoftCast and the symbol channel (no LDPC needed)."""

import math

import numpy as np
import pytest

from baselines import capacity, h26x
from baselines import numpy_channel as channel
from baselines.softcast import SoftCast, dequantise_variance, quantise_variance
from dvst.eval.metrics import psnr_db
from dvst.io.demo import demo_frames
from foundation.errors import ProjectError


@pytest.fixture(scope="module")
def clip():
    return demo_frames(8, (64, 48))


class IdealMetadataLink:
    """Metadata that always arrives, charged like LDPC (6144,2048) + QPSK (for isolating SoftCast)."""

    def n_symbols(self, n_bits):
        return math.ceil(n_bits / 2024) * 3072

    def transmit(self, bits, snr_db, kind, rng):
        return bits.copy(), True


@pytest.mark.parametrize("codec", ["h264", "h265"])
def test_h26x_low_delay_p_structure_and_sei_stripped(clip, codec):
    s = h26x.encode(clip, codec, gop=4, qp=30)
    assert s.kinds == ["I", "P", "P", "P"] * 2
    drop = h26x.SEI_NAL_TYPES[codec]
    for au in s.frames:
        types = [h26x.nal_type(codec, n) for n in h26x.split_nal_units(au)]
        assert not drop & set(types)
    assert s.n_bits == sum(8 * len(f) for f in s.frames)
    frames, shown = h26x.decode(s)
    assert frames.shape == clip.shape and shown.all()
    assert np.mean([psnr_db(a, b) for a, b in zip(clip, frames)]) > 25
    # a lower QP costs more bits and gives a better picture
    fine = h26x.encode(clip, codec, gop=4, qp=20)
    assert fine.n_bits > s.n_bits
    assert psnr_db(clip, h26x.decode(fine)[0]) > psnr_db(clip, frames)


@pytest.mark.parametrize("codec,tag", [("h264", b"x264 - core"), ("h265", b"x265 (build")])
def test_stripping_sei_changes_no_decoded_pixel(clip, codec, tag):
    full = h26x.encode(clip, codec, qp=28, keep_sei=True)
    s = h26x.encode(clip, codec, qp=28)
    assert tag in full.frames[0] and all(tag not in f for f in s.frames)
    assert s.n_bits < full.n_bits
    assert np.array_equal(h26x.decode(full)[0], h26x.decode(s)[0])
    again = h26x.encode(clip, codec, qp=28)
    assert again.frames == s.frames, "the encoder must be deterministic with a fixed thread count"


def test_lost_frame_conceals_rest_of_gop(clip):
    s = h26x.encode(clip, "h264", gop=4, qp=30)
    clean, _ = h26x.decode(s)
    rx, shown = h26x.decode(s, [True, True, False, True, True, True, True, True])
    assert shown.tolist() == [True, True, False, False, True, True, True, True]
    assert np.array_equal(rx[:2], clean[:2])
    assert np.array_equal(rx[2], clean[1]) and np.array_equal(rx[3], clean[1])
    assert np.array_equal(rx[4:], clean[4:])  # the next IDR resynchronises
    rx, shown = h26x.decode(s, [False] + [True] * 7)
    assert not shown[:4].any() and (rx[:4] == 128).all()


def test_odd_size_is_padded_and_cropped():
    frames = demo_frames(4, (66, 50))[:, :49, :65]
    s = h26x.encode(frames, "h264", crf=23)
    out, _ = h26x.decode(s)
    assert out.shape == frames.shape


@pytest.mark.parametrize("kw,msg", [({"codec": "vp9", "qp": 30}, "unknown video codec"),
                                    ({"qp": 30, "crf": 20}, "exactly one"),
                                    ({"qp": 60}, "0…51"), ({"qp": 30, "gop": 0}, "GOP")])
def test_h26x_bad_input(clip, kw, msg):
    with pytest.raises(ProjectError, match=msg):
        h26x.encode(clip, **kw)
    with pytest.raises(ProjectError, match="uint8"):
        h26x.encode(clip.astype(np.float32), qp=30)


def test_awgn_channel_convention():
    rng = np.random.default_rng(1)
    s = np.exp(1j * rng.uniform(0, 2 * np.pi, 200_000)).astype(np.complex64)  # unit power
    r, nv = channel.transmit(s, 10.0, "awgn", np.random.default_rng(2))
    assert np.allclose(nv, 0.1)
    measured = np.mean(np.abs(r - s) ** 2)
    assert abs(measured - 0.1) < 0.002
    r, nv = channel.transmit(s, 10.0, "rayleigh", np.random.default_rng(2))
    # equalised noise n/h: each symbol's variance is σ²/|h|², with mean |h|² = 1
    assert abs(np.median(nv) - 0.1 / np.log(2)) < 0.01  # median of Exp(1) is ln 2
    with pytest.raises(ProjectError, match="unknown channel"):
        channel.transmit(s, 10.0, "rician")


def test_capacity_counts_bits_by_hand(clip):
    assert capacity.capacity_bits_per_symbol(0.0) == pytest.approx(1.0)
    assert capacity.capacity_bits_per_symbol(10 * math.log10(3)) == pytest.approx(2.0)
    # ergodic Rayleigh capacity is below AWGN (Jensen) and close to it in the log at high SNR
    assert capacity.capacity_bits_per_symbol(10, "rayleigh") < capacity.capacity_bits_per_symbol(10)
    s = h26x.encode(clip, "h264", qp=30)
    res = capacity.run(s, 10 * math.log10(3))  # 2 bits per complex symbol
    t, h, w = clip.shape[:3]
    assert res.symbols.tolist() == [b / 2 for b in s.frame_bits]
    assert res.cbr() == pytest.approx(s.n_bits / 2 / (t * h * w * 3))
    assert res.shown.all()


def test_softcast_constant_clip_is_exact_at_high_snr():
    const = np.empty((4, 64, 64, 3), np.uint8)
    const[...] = [200, 30, 90]
    res = SoftCast(metadata_link=IdealMetadataLink()).run(const, 0.5, 40.0)
    assert np.array_equal(res.frames, const)


def test_softcast_quality_rises_with_snr_and_bandwidth(clip):
    sc = SoftCast(metadata_link=IdealMetadataLink(), grid=(4, 4))
    p = {(c, s): np.mean(sc.run(clip, c, s, seed=3).frame_psnr(clip)) for c in (0.2, 0.45) for s in (0, 20)}
    assert p[(0.2, 20)] > p[(0.2, 0)] + 3
    assert p[(0.45, 20)] > p[(0.2, 20)]
    full = sc.run(clip, 1.0, 60.0)  # every chunk fits: at 60 dB only rounding remains
    assert np.mean(full.frame_psnr(clip)) > 45


def test_softcast_cbr_by_hand(clip):
    gop = clip[:4]  # one GOP of 64×48: 3 planes × 4 temporal slices × 4×4 cells of 12×16 coefficients
    sc = SoftCast(metadata_link=IdealMetadataLink(), grid=(4, 4), gop=4)
    res = sc.run(gop, 0.2, 10.0)
    meta = sc.metadata_bits(4)
    assert meta == 128 + 8 * 3 * 4 * 16
    meta_sym = math.ceil(meta / 2024) * 3072
    budget = math.floor(0.2 * 48 * 64 * 3 * 4) - meta_sym  # complex symbols left for the chunks
    sent = res.info["chunks_sent"]
    assert sent == min(budget * 2 // 192, res.info["chunks_total"])  # whole chunks, largest first
    assert res.symbols.sum() == meta_sym + sent * 192 // 2
    assert res.cbr() == pytest.approx((meta_sym + sent * 96) / (4 * 48 * 64 * 3))


def test_softcast_power_scaling_and_llse(clip):
    sc = SoftCast(metadata_link=IdealMetadataLink(), grid=(4, 4))
    gop = clip[:4]
    s, meta, sent = sc.encode_gop(gop, 3000)
    assert 0 < sent and s.size <= 3000 and len(meta) == 16 + 3 * 4 * 16
    assert np.mean(np.abs(s) ** 2) == pytest.approx(1.0, rel=1e-3)  # unit average power
    # noiseless: the LLSE weight is 1/g, so the kept coefficients come back exactly
    exact = sc.decode_gop(s, np.zeros(s.size), meta, 4, 48, 64)
    noisy = sc.decode_gop(s + 0.3 * (1 + 1j), np.full(s.size, 0.18), meta, 4, 48, 64)
    assert psnr_db(gop, exact) > psnr_db(gop, noisy)
    big, _, _ = sc.encode_gop(gop, 10_000)
    assert big.size > s.size and np.mean(np.abs(big) ** 2) == pytest.approx(1.0, rel=1e-3)
    # with σ² → ∞ LLSE shrinks to the mean: a blurred picture, never amplified noise
    res = sc.run(clip, 0.3, -30.0)
    assert res.frames.std() < clip.std()


def test_variance_code_roundtrip():
    lam = np.array([0.0, 1e-3, 1.0, 37.5, 1e9])
    q = quantise_variance(lam)
    assert q[0] == 0 and q[1] == 0
    back = dequantise_variance(q)
    assert np.all(np.abs(np.log2(back[2:] / lam[2:])) <= 1 / 12 + 1e-9)


def test_softcast_bad_input(clip):
    sc = SoftCast(metadata_link=IdealMetadataLink())
    with pytest.raises(ProjectError, match="too low"):
        sc.run(clip, 0.001, 10)
    with pytest.raises(ProjectError, match="positive"):
        sc.run(clip, -1, 10)
    with pytest.raises(ProjectError, match="GOP"):
        SoftCast(gop=0, metadata_link=IdealMetadataLink())

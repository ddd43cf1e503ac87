"""VideoEncoder/VideoDecoder: the codec↔radio contract, bandwidth accounting, bad input."""

import copy

import numpy as np
import pytest
import torch

from dvst.codec import DVSTModel, VideoDecoder, VideoEncoder, checkpoint, load_model_config, payload_cbr
from dvst.codec.sideinfo import SIDE_INFO_SYMBOLS_PER_BIT, unpack
from dvst.frames import EncodedFrame, ReceivedFrame
from foundation.errors import ProjectError


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return DVSTModel(load_model_config("small")).eval()


def clip(n, h=64, w=96, seed=0):
    """A small moving gradient-and-noise clip, uint8 [n, h, w, 3]."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (h + 8, w + 8 * n, 3)).astype(np.float32)
    base = (base + np.roll(base, 1, 0) + np.roll(base, 1, 1)) / 3
    return np.stack([base[4:4 + h, 3 * i: 3 * i + w] for i in range(n)]).astype(np.uint8)


def awgn(ef: EncodedFrame, snr_db: float, seed: int) -> ReceivedFrame:
    """The radio, idealised: unit-power complex AWGN at snr_db; side information intact."""
    rng = np.random.default_rng(seed)
    sigma2 = 10 ** (-snr_db / 10)
    k = ef.symbols.size
    n = (rng.standard_normal(k) + 1j * rng.standard_normal(k)) * np.sqrt(sigma2 / 2)
    return ReceivedFrame(ef.index, ef.kind, ef.symbols + n.astype(np.complex64),
                         np.full(ef.symbols.size, sigma2, np.float32), ef.side_info, snr_db)


def test_gop_structure_and_bandwidth_accounting(model):
    cfg = model.config
    enc = VideoEncoder(model, gop=3)
    for i, f in enumerate(clip(5)):
        ef = enc.encode(f, 10.0)
        assert ef.kind == ("I" if i % 3 == 0 else "P") and ef.index == i
        info = unpack(ef.side_info, ef.kind, cfg, (64, 96))
        sent = int(np.asarray(cfg.v_primary)[info.idx_pl].sum())
        if ef.kind == "P":
            sent += int(np.asarray(cfg.v_motion)[info.idx_ml].sum())
        assert ef.symbols.size == sent and ef.symbols.dtype == np.complex64
        assert np.mean(np.abs(ef.symbols) ** 2) == pytest.approx(1.0, rel=1e-3)
        n_patches = 2 * 3
        q = cfg.q_primary + (cfg.q_motion if ef.kind == "P" else 0)
        # format, model id and frame size travel with I-frames only
        assert len(ef.side_info) == (7 if ef.kind == "I" else 0) + -(-n_patches * q // 8)
        assert ef.frame_size == (64, 96)
        side = 8 * len(ef.side_info) * SIDE_INFO_SYMBOLS_PER_BIT
        assert ef.payload_symbols == ef.symbols.size + side
        assert ef.payload_cbr == pytest.approx((ef.symbols.size + side) / (64 * 96 * 3))
        assert payload_cbr(EncodedFrame.from_bytes(ef.to_bytes()), 64, 96) == ef.payload_cbr


def test_noiseless_receiver_matches_transmitter_reference(model):
    """With a perfect channel the receiver rebuilds exactly the transmitter's simulated reference."""
    enc, dec = VideoEncoder(model, gop=4), VideoDecoder(model)
    for f in clip(3):
        ef = enc.encode(f, 10.0)
        out = dec.decode(ReceivedFrame(ef.index, ef.kind, ef.symbols, np.zeros(ef.symbols.size, np.float32),
                                       ef.side_info, 10.0))
        tx = enc._ref.x[0, :, :64, :96].mul(255).round().permute(1, 2, 0).numpy()
        assert np.abs(out.astype(int) - tx.astype(int)).max() <= 1


def test_receiver_uses_only_received_frames(model):
    """Decoders of a separate model copy, fed only ReceivedFrames of two channel realisations."""
    frames = clip(4)
    enc = VideoEncoder(model, gop=4)
    coded = [EncodedFrame.from_bytes(enc.encode(f, 5.0).to_bytes()) for f in frames]
    rx_model = copy.deepcopy(model)
    outs = []
    for seed in (1, 2):
        dec = VideoDecoder(rx_model)
        outs.append([dec.decode(awgn(ef, 5.0, seed * 100 + i)) for i, ef in enumerate(coded)])
    for a, b, f in zip(*outs, frames):
        assert a.shape == b.shape == f.shape and a.dtype == np.uint8
    assert any(not np.array_equal(a, b) for a, b in zip(*outs))
    # the same realisation decodes to the same frames (the receiver holds no hidden randomness)
    dec = VideoDecoder(rx_model)
    again = [dec.decode(awgn(ef, 5.0, 100 + i)) for i, ef in enumerate(coded)]
    assert all(np.array_equal(a, b) for a, b in zip(again, outs[0]))


def test_erased_symbols_do_not_poison_the_frame(model):
    enc, dec = VideoEncoder(model), VideoDecoder(model)
    rx = awgn(enc.encode(clip(1)[0], 10.0), 10.0, 0)
    rx.symbols[:5] = np.nan
    rx.noise_var[5:10] = np.inf
    out = dec.decode(rx)
    assert out.shape == (64, 96, 3) and out.std() > 0


def test_seeded_determinism():
    frames = clip(2)
    out = []
    for _ in range(2):
        torch.manual_seed(7)
        m = DVSTModel(load_model_config("small")).eval()
        enc = VideoEncoder(m)
        out.append([enc.encode(f, 10.0).to_bytes() for f in frames])
    assert out[0] == out[1]


def test_cbr_grows_with_eta(model):
    frame = clip(2)
    cbrs = []
    for eta in (1e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 1.0):
        enc = VideoEncoder(model, eta=eta, eta_motion=eta)
        cbrs.append([enc.encode(f, 10.0).payload_cbr for f in frame])
    for kind in range(2):
        col = [c[kind] for c in cbrs]
        assert all(b >= a for a, b in zip(col, col[1:]))
        assert col[-1] > col[0]


@pytest.mark.parametrize("w,h", [(416, 240), (352, 288), (176, 144)])
def test_odd_frame_sizes_round_trip(model, w, h):
    rng = np.random.default_rng(0)
    enc, dec = VideoEncoder(model, gop=2), VideoDecoder(model)
    for i in range(2):
        f = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        ef = EncodedFrame.from_bytes(enc.encode(f, 10.0).to_bytes())
        assert dec.decode(awgn(ef, 10.0, i)).shape == (h, w, 3)


def test_bad_input_is_one_line_dvst_error(model, tmp_path):
    enc, dec = VideoEncoder(model), VideoDecoder(model)
    for bad in (np.zeros((64, 96), np.uint8), np.zeros((64, 96, 3), np.float32),
                np.zeros((64, 96, 4), np.uint8), [[0]], np.zeros((0, 96, 3), np.uint8)):
        with pytest.raises(ProjectError) as e:
            enc.encode(bad, 10.0)
        assert "\n" not in str(e.value)
    for bad_snr in ("x", float("nan"), None):
        with pytest.raises(ProjectError, match="snr_db"):
            enc.encode(clip(1)[0], bad_snr)
    frames = clip(3)
    i_frame = enc.encode(frames[0], 10.0)
    p_frame = enc.encode(frames[1], 10.0)
    with pytest.raises(ProjectError, match="no reference"):
        dec.decode(awgn(p_frame, 10.0, 0))                 # P-frame before its I-frame
    with pytest.raises(ProjectError):
        dec.conceal()                                       # nothing decoded yet
    dec.decode(awgn(i_frame, 10.0, 0))
    lost = awgn(p_frame, 10.0, 0)
    lost.side_info = None
    with pytest.raises(ProjectError, match="side information lost"):
        dec.decode(lost)
    assert dec.conceal().shape == (64, 96, 3)
    with pytest.raises(ProjectError, match="no reference"):
        dec.decode(awgn(p_frame, 10.0, 0))                 # after a loss: wait for the next I-frame
    short = awgn(i_frame, 10.0, 0)
    short.symbols, short.noise_var = short.symbols[:-1], short.noise_var[:-1]
    with pytest.raises(ProjectError, match="symbols"):
        dec.decode(short)
    with pytest.raises(ProjectError, match="unknown key"):
        load_model_config("small", colour="blue")
    with pytest.raises(ProjectError):
        load_model_config("small", v_primary=[0, 1, 2])
    other = DVSTModel(load_model_config("small", eta=0.5))
    with pytest.raises(ProjectError, match="another model"):
        VideoDecoder(other).decode(awgn(i_frame, 10.0, 0))


def test_checkpoint_round_trip_and_mismatch(model, tmp_path):
    path = tmp_path / "m.pt"
    checkpoint.save(path, model, step=3)
    loaded = checkpoint.load(path, model.config)
    f = clip(1)[0]
    assert VideoEncoder(loaded).encode(f, 10.0).to_bytes() == VideoEncoder(model).encode(f, 10.0).to_bytes()
    with pytest.raises(ProjectError, match="does not match") as e:
        checkpoint.load(path, load_model_config("paper"))
    assert "\n" not in str(e.value)
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint at all")
    with pytest.raises(ProjectError, match="corrupt"):
        checkpoint.load(bad)
    with pytest.raises(ProjectError, match="not found"):
        checkpoint.load(tmp_path / "missing.pt")
    torch.save({"format": "dvst-codec-1", "config": {"name": "small", "channels": 7}, "state_dict": {}}, bad)
    with pytest.raises(ProjectError):
        checkpoint.load(bad)


def test_p_frame_side_information_needs_its_i_frame(model):
    """Side-information format 3: the format, model id and size travel with I-frames only, so a
    P-frame's bytes parse only against its I-frame's size, and a decoder that missed the I-frame
    refuses the P-frame in one clear error instead of guessing."""
    cfg = model.config
    enc = VideoEncoder(model, gop=4)
    frames = clip(2)
    i_frame, p_frame = enc.encode(frames[0], 10.0), enc.encode(frames[1], 10.0)
    n_patches, q_p = 2 * 3, cfg.q_primary + cfg.q_motion
    assert p_frame.kind == "P" and len(p_frame.side_info) == -(-n_patches * q_p // 8)
    assert len(i_frame.side_info) == 7 + -(-n_patches * cfg.q_primary // 8)
    with pytest.raises(ProjectError, match="frame size of its I-frame"):
        unpack(p_frame.side_info, "P", cfg)
    with pytest.raises(ProjectError, match="wrong length"):
        unpack(p_frame.side_info, "P", cfg, (128, 192))      # another size: another index grid
    dec = VideoDecoder(model)
    with pytest.raises(ProjectError, match="no reference"):
        dec.decode(awgn(p_frame, 10.0, 0))
    dec.decode(awgn(i_frame, 10.0, 1))
    assert dec.decode(awgn(p_frame, 10.0, 2)).shape == (64, 96, 3)

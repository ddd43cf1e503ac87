"""The quality configuration (issue 12): shapes, bandwidth and side-information accounting with
rate blocks, the side information through the radio at the lowest trained SNR, the P-frame path
started from the I-frame codec, and the recipe's schedule."""

import numpy as np
import pytest
import torch

from dvst.codec import DVSTModel, VideoDecoder, VideoEncoder, load_model_config
from dvst.codec.sideinfo import SIDE_INFO_SYMBOLS_PER_BIT, index_grid, patch_grid, unpack
from foundation.errors import ProjectError


@pytest.fixture(scope="module")
def quality():
    torch.manual_seed(0)
    return DVSTModel(load_model_config("quality")).eval()


def _frames(n, h, w, seed=0):
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (h + 8, w + 8 * n, 3)).astype(np.float32)
    base = (base + np.roll(base, 1, 0) + np.roll(base, 1, 1)) / 3
    return np.stack([base[4:4 + h, 2 * i: 2 * i + w] for i in range(n)]).astype(np.uint8)


def test_config_puts_the_compute_at_one_eighth(quality):
    cfg = quality.config
    assert cfg.context_stride == 8 and cfg.transform_blocks >= 4 and cfg.pad_multiple == 64
    # one JSCC token per latent position, as wide as the latent values it carries, or wider
    assert cfg.patch == 1 and cfg.jscc_dim >= cfg.channels * cfg.patch ** 2
    assert not cfg.motion_link and cfg.contextual and cfg.rate_adaptive
    n_params = sum(p.numel() for p in quality.parameters())
    assert n_params < 12e6          # its float16 weights and the fast model's fit the zoo's 30 MB
    with pytest.raises(ProjectError, match="rate_block"):
        load_model_config("quality", rate_block=3)


@pytest.mark.parametrize("stage", ["iframe", "primary_transform", "primary_jscc", "joint"])
def test_forward_shapes_at_odd_sizes(quality, stage):
    x = torch.rand(2, 1 if stage == "iframe" else 3, 3, 72, 100)
    out = quality(x, torch.tensor([3.0, 12.0]), stage=stage)
    assert out["x_hat"].shape == x.shape
    assert torch.isfinite(out["cbr"]).all()
    # one side-information header + one 4-bit index per 64×64 block (2×2 blocks after padding)
    assert out["side_symbols"][0].item() == pytest.approx(8 * (7 + 2) * SIDE_INFO_SYMBOLS_PER_BIT)


def test_indices_are_shared_within_a_rate_block_and_counted_once(quality):
    cfg = quality.config
    enc, dec = VideoEncoder(quality, gop=2), VideoDecoder(quality)
    h, w = 150, 200
    b = cfg.rate_block
    assert index_grid(cfg, h, w) == (3, 4) and patch_grid(cfg, h, w) == (3 * b, 4 * b)
    for f in _frames(3, h, w):
        ef = enc.encode(f, 10.0)
        info = unpack(ef.side_info, ef.kind, cfg, (h, w))
        assert info.idx_pl.shape == (3 * b, 4 * b) and info.idx_ml is None
        blocks = info.idx_pl.reshape(3, b, 4, b)
        assert (blocks == blocks[:, :1, :, :1]).all()
        assert len(ef.side_info) == (7 if ef.kind == "I" else 0) + -(-12 * cfg.q_primary // 8)
        assert ef.symbols.size == int(np.asarray(cfg.v_primary)[info.idx_pl].sum())
        nv = np.zeros(ef.symbols.size, np.float32)
        from dvst.frames import ReceivedFrame

        out = dec.decode(ReceivedFrame(ef.index, ef.kind, ef.symbols, nv, ef.side_info, 10.0))
        assert out.shape == (h, w, 3)


def test_side_information_survives_the_radio_at_the_lowest_trained_snr(quality):
    """The quality model's side information, coded by the radio's header code (QPSK, LDPC
    rate 1/5, CRC-32), arrives intact over AWGN at 0 dB, the bottom of the trained SNR range."""
    from radio.header import BurstHeader, HeaderCodec
    from radio.profile import load_profile

    codec = HeaderCodec(load_profile("default"))
    ef = VideoEncoder(quality, gop=1).encode(_frames(1, 240, 416)[0], 0.0)
    side = ef.side_info
    assert 7 < len(side) <= 7 + 3 * 28 // 8 + 1      # 416×240: 7×4 blocks of 64×64
    sym = codec.encode(BurstHeader(payload_len=ef.symbols.size, side_info=side))[codec.n_base_symbols:]
    rng = np.random.default_rng(1)
    nv = np.full(sym.shape, 1.0, np.float32)           # 0 dB: noise power = symbol power
    ok = 0
    for _ in range(50):
        noise = (rng.standard_normal(sym.shape) + 1j * rng.standard_normal(sym.shape)) / np.sqrt(2)
        ok += codec.decode_side((sym + noise).astype(np.complex64), nv, len(side)) == side
    assert ok == 50


def test_pframe_path_starts_as_the_iframe_codec(quality):
    model = DVSTModel(quality.config).eval()
    assert model.init_pframe_from_iframe() > 100
    x = torch.rand(1, 3, 128, 128)
    snr = torch.tensor([10.0])
    with torch.no_grad():
        code_i, ref = model.transmit_iframe(x, snr)
        code_p, ref_p = model.transmit_pframe(x, ref, snr)
    torch.testing.assert_close(code_p["idx_pl"], code_i["idx"])
    torch.testing.assert_close(ref_p.x, ref.x)


def test_stage_schedule_and_eta_draws():
    from dvst.train.recipe import StageConfig, stage_lr
    from dvst.train.trainer import draw_eta

    st = StageConfig("iframe", 1000, lr=1e-3, frames=1, warmup_steps=100, lr_min=1e-5, eta=[0.1, 0.4])
    assert stage_lr(st, 0) == pytest.approx(1e-5)
    assert stage_lr(st, 100) == pytest.approx(1e-3)
    assert stage_lr(st, 550) == pytest.approx((1e-3 + 1e-5) / 2)
    assert stage_lr(st, 1000) == pytest.approx(1e-5)
    lrs = [stage_lr(st, s) for s in range(100, 1001, 50)]
    assert lrs == sorted(lrs, reverse=True)
    rng = np.random.default_rng(0)
    etas = [draw_eta(st, rng) for _ in range(200)]
    assert 0.1 <= min(etas) and max(etas) <= 0.4 and np.median(etas) == pytest.approx(0.2, rel=0.2)
    assert draw_eta(StageConfig("iframe", 1, frames=1), rng) is None
    with pytest.raises(ProjectError, match="lr_min"):
        StageConfig("iframe", 10, lr=1e-4, frames=1, lr_min=1e-3)
    with pytest.raises(ProjectError, match="eta"):
        StageConfig("iframe", 10, frames=1, eta=[0.4, 0.1])


def test_quality_recipe_holds_out_its_validation():
    from pathlib import Path

    from dvst.train.recipe import load_train_config

    cfg = load_train_config("quality_psnr")
    names = lambda xs: {Path(x).stem for x in xs}  # noqa: E731
    assert not names(cfg.data.validation) & names(cfg.data.sources)
    assert not names(cfg.data.val_images) & names(cfg.data.images)
    # the demo clip is made of scikit-image photographs: none of them is training data
    assert not any("skimage" in x for x in cfg.data.images)
    assert any(st.init_pframe for st in cfg.stages)

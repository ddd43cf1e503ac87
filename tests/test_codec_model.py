"""DVSTModel: shapes of the training forward per stage, gradients, both configurations."""

import pytest
import torch

from dvst.codec import DVSTModel, load_model_config
from dvst.codec.stages import STAGES
from foundation.errors import ProjectError


@pytest.fixture(scope="module")
def small():
    torch.manual_seed(0)
    return DVSTModel(load_model_config("small"))


@pytest.mark.parametrize("stage", list(STAGES))
def test_forward_shapes_every_stage(small, stage):
    torch.manual_seed(1)
    b, t, h, w = 2, 3, 64, 96
    frames = torch.rand(b, t, 3, h, w)
    out = small.train()(frames, 10.0, stage=stage)
    expect_x = {"iframe": {"x_hat", "x_tilde"}, "motion_transform": {"x_warp", "x_warp_tilde"},
                "motion_jscc": {"x_warp", "x_warp_tilde"}}
    xs = {k for k in out if k.startswith("x_")}
    assert xs == expect_x.get(stage, {"x_hat", "x_tilde", "x_warp", "x_warp_tilde"})
    for k in xs:
        assert out[k].shape == (b, t, 3, h, w)
    for k in ("bits_pl", "k_pl", "k_pl_sent", "bits_ml", "k_ml", "k_ml_sent", "cbr"):
        assert out[k].shape == (b, t) and torch.isfinite(out[k]).all()
    assert out["side_symbols"].shape == (t,)
    # the rate term is differentiable and reaches exactly the sub-networks of the stage
    loss = out["k_pl"].mean() + out["k_ml"].mean() + sum(out[k].mean() for k in xs)
    trainable = small.set_stage(stage)
    loss.backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in trainable)
    frozen = [p for p in small.parameters() if not p.requires_grad]
    assert all(p.grad is None for p in frozen)
    small.zero_grad(set_to_none=True)


def test_joint_stage_bandwidth_matches_the_sent_symbols(small):
    torch.manual_seed(2)
    frames = torch.rand(1, 2, 3, 64, 64)
    with torch.no_grad():
        out = small.eval()(frames, 10.0, stage="joint")
    cfg = small.config
    assert out["cbr"][0, 1] == pytest.approx(
        float(out["k_pl_sent"][0, 1] + out["k_ml_sent"][0, 1] + out["side_symbols"][1]) / (64 * 64 * 3))
    assert float(out["k_pl_sent"][0, 1]) <= max(cfg.v_primary) * 4
    assert float(out["k_pl_sent"][0, 1]) % 1 == 0


def test_rayleigh_and_per_item_snr(small):
    frames = torch.rand(2, 2, 3, 32, 64)
    with torch.no_grad():
        out = small.eval()(frames, torch.tensor([0.0, 20.0]), channel="rayleigh", stage="joint")
    assert torch.isfinite(out["x_hat"]).all()
    with pytest.raises(ProjectError):
        small(frames, 10.0, channel="rician", stage="joint")
    with pytest.raises(ProjectError):
        small(frames, 10.0, stage="seventh")
    with pytest.raises(ProjectError):
        small(frames[0], 10.0, stage="joint")


@pytest.mark.parametrize("switch", ["contextual", "rate_adaptive", "motion_link"])
def test_ablations_run(switch):
    torch.manual_seed(0)
    cfg = load_model_config("small", **{switch: False})
    model = DVSTModel(cfg)
    out = model(torch.rand(1, 2, 3, 64, 64), 10.0, stage="joint")
    assert out["x_hat"].shape == (1, 2, 3, 64, 64)
    if switch == "rate_adaptive":
        # fixed per-patch bandwidth, the motion link at half the primary's: a third of the total
        assert float(out["k_ml_sent"][0, 1]) / float(out["k_pl_sent"][0, 1] + out["k_ml_sent"][0, 1]) \
            == pytest.approx(1 / 3, abs=0.02)
        assert not any("rate_tokens" in n for n, _ in model.named_parameters())
    if switch == "motion_link":
        assert not hasattr(model, "flow") and float(out["k_ml_sent"].sum()) == 0


def test_paper_configuration_at_256():
    torch.manual_seed(0)
    cfg = load_model_config("paper")
    model = DVSTModel(cfg).eval()
    n = sum(p.numel() for p in model.parameters())
    print(f"paper config: {n} parameters")
    assert cfg.channels == 96 and cfg.motion_channels == 128 and cfg.context_channels == 96
    assert cfg.swin_depth == 4 and cfg.swin_heads == 8 and cfg.swin_window == 16
    assert cfg.q_primary + cfg.q_motion == 7
    with torch.no_grad():
        out = model(torch.rand(1, 2, 3, 256, 256), 10.0, stage="joint")
    assert out["x_hat"].shape == (1, 2, 3, 256, 256)
    n_small = sum(p.numel() for p in DVSTModel(load_model_config("small")).parameters())
    assert n > 5 * n_small                          # same code, paper-size numbers


def test_training_forward_is_seeded_and_counts_what_the_encoder_sends(small):
    from dvst.codec import VideoEncoder

    frames = torch.rand(1, 2, 3, 64, 96)
    outs = []
    for _ in range(2):
        torch.manual_seed(3)
        outs.append(small.train()(frames, 7.0, stage="joint", generator=torch.Generator().manual_seed(4)))
    for k in outs[0]:
        assert torch.equal(outs[0][k], outs[1][k]), k
    # eval mode: the I-frame's bandwidth in the forward is what VideoEncoder puts on the air
    img = (frames[0, 0].permute(1, 2, 0) * 255).round().to(torch.uint8).numpy()
    with torch.no_grad():
        out = small.eval()(torch.from_numpy(img).permute(2, 0, 1)[None, None].float() / 255, 7.0, stage="iframe")
    ef = VideoEncoder(small).encode(img, 7.0)
    assert float(out["k_pl_sent"][0, 0]) == ef.symbols.size
    assert float(out["side_symbols"][0]) == ef.payload_symbols - ef.symbols.size
    assert float(out["cbr"][0, 0]) == pytest.approx(ef.payload_cbr)


def test_caches_filled_in_inference_serve_training():
    """Validation runs under inference_mode between training steps: the Swin masks, position
    indices and warp grids it caches must not poison the next training step (it did, once)."""
    torch.manual_seed(0)
    model = DVSTModel(load_model_config("small")).eval()
    x = torch.rand(1, 2, 3, 96, 128)
    with torch.inference_mode():
        model(x, 10.0, stage="joint")
    model.train()
    out = model(x, 10.0, stage="joint")
    out["x_hat"][:, 1].mean().backward()
    assert any(p.grad is not None for p in model.g_a.parameters())

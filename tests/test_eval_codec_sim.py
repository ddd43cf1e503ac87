"""dvst.eval.codec_sim.evaluate and `dvst eval`: the keys, sane values, seeding, bad input."""

import json

import numpy as np
import pytest
import torch

from dvst.eval.codec_sim import evaluate
from foundation.errors import ProjectError


@pytest.fixture(scope="module")
def tiny_model():
    from dvst.codec import DVSTModel, ModelConfig

    torch.manual_seed(0)
    cfg = ModelConfig(name="tiny", channels=16, motion_channels=8, context_channels=8, hyper_channels=8,
                      jscc_dim=16, motion_jscc_dim=16, swin_depth=1, swin_heads=2, swin_window=2,
                      flow_levels=2, flow_channels=[8], flow_kernel=3, context_stride=8, flow_stride=8,
                      v_primary=[0, 4, 8, 16], v_motion=[0, 2, 4, 8])
    return DVSTModel(cfg).eval()


def _clip(n=6, h=48, w=80):
    rng = np.random.default_rng(0)
    base = rng.integers(0, 256, (h, w + 2 * n, 3), dtype=np.uint8)
    return np.stack([base[:, k: k + w] for k in range(n)])


def test_keys_and_values(tiny_model):
    frames = _clip()
    r = evaluate(frames, tiny_model, 10.0, gop=4)
    for key in ("psnr_db", "msssim_db", "payload_cbr", "frames", "per_frame"):
        assert key in r
    assert r["frames"] == 6 and len(r["per_frame"]) == 6
    assert [f["kind"] for f in r["per_frame"]] == ["I", "P", "P", "P", "I", "P"]
    assert 0 < r["psnr_db"] < 60 and np.isfinite(r["msssim_db"])
    assert 0 < r["payload_cbr"] < 1
    assert all(f["payload_cbr"] >= f["analog_cbr"] for f in r["per_frame"])  # side info counted
    assert r == evaluate(frames, tiny_model, 10.0, gop=4)  # seeded
    assert evaluate(frames, tiny_model, 10.0, seed=1)["psnr_db"] != r["psnr_db"]
    ray = evaluate(frames[:2], tiny_model, 10.0, channel="rayleigh")
    assert ray["channel"] == "rayleigh" and ray["frames"] == 2


def test_bad_input(tiny_model):
    with pytest.raises(ProjectError):
        evaluate(np.zeros((4, 32, 32), np.uint8), tiny_model, 10.0)
    with pytest.raises(ProjectError):
        evaluate(_clip(2), tiny_model, 10.0, channel="fog")


def test_dvst_eval_cli(tmp_path):
    from PIL import Image

    from dvst.cli import main
    from dvst.zoo import list_models

    if not list_models():
        pytest.skip("no shipped models")
    folder = tmp_path / "clip"
    folder.mkdir()
    for k, f in enumerate(_clip(5, 64, 96)):
        Image.fromarray(f).save(folder / f"{k:03d}.png")
    out = tmp_path / "r.json"
    assert main(["eval", str(folder), "--snr", "10", "--json", str(out)]) == 0
    r = json.loads(out.read_text())
    assert r["frames"] == 5 and r["gop"] == 4 and r["payload_cbr"] > 0 and r["psnr_db"] > 5
    assert main(["eval", str(folder), "--snr", "10", "--model", "no-such-model"]) == 2
    # the same model names as dvst loopback: an untrained config runs (for timing), seeded
    assert main(["eval", str(folder), "--snr", "10", "--model", "small", "--json", str(out)]) == 0
    assert json.loads(out.read_text())["model"].startswith("small (untrained")

"""The trainer: loss goes down on a fixed batch, checkpoints resume exactly, bad ones are one-line errors."""

import numpy as np
import pytest
import torch
import yaml
from PIL import Image

from dvst.train import stages
from dvst.train.checkpoint import load_training, slim
from dvst.train.data import DataConfig
from dvst.train.losses import distortion, msssim_window
from dvst.train.recipe import StageConfig, TrainConfig, load_train_config
from foundation.errors import ProjectError

TINY = dict(name="tiny", channels=16, motion_channels=8, context_channels=8, hyper_channels=8,
            jscc_dim=16, motion_jscc_dim=16, swin_depth=1, swin_heads=2, swin_window=2,
            flow_levels=2, flow_channels=[8], flow_kernel=3, context_stride=8, flow_stride=8,
            v_primary=[0, 4, 8, 16], v_motion=[0, 2, 4, 8])


@pytest.fixture
def recipe(tmp_path):
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump(TINY))
    rng = np.random.default_rng(0)
    base = rng.integers(0, 256, (96, 112, 3), dtype=np.uint8)
    clip = tmp_path / "data" / "clip"
    clip.mkdir(parents=True)
    val = tmp_path / "data" / "val"
    val.mkdir()
    for k in range(6):
        Image.fromarray(np.roll(base, 2 * k, axis=1)[:64, :96]).save(clip / f"{k:03d}.png")
        Image.fromarray(np.roll(base, 3 * k, axis=0)[:48, :64]).save(val / f"{k:03d}.png")
    return TrainConfig(
        name="t", model=str(tmp_path / "tiny.yaml"), lmbda=0.01, batch_size=2, crop=64, seed=0,
        out_dir=str(tmp_path / "runs"), log_every=1, val_every=0, checkpoint_minutes=100.0,
        data=DataConfig(root=str(tmp_path / "data"), vimeo=None, sources=["clip"], validation=["val"],
                        val_frames=5),
        stages=[StageConfig("iframe", 3, lr=1e-3, frames=1), StageConfig("joint", 3, lr=1e-3, frames=3)])


def test_shipped_recipes_load():
    for name in ("small_psnr", "small_msssim"):
        cfg = load_train_config(name)
        assert cfg.stages and cfg.data.validation
        assert not set(cfg.data.validation) & set(cfg.data.sources)
    with pytest.raises(ProjectError, match="unknown stage"):
        StageConfig("warmup", 10)


def test_loss_goes_down_on_a_fixed_batch(recipe):
    from dvst.train.trainer import build_model

    torch.manual_seed(0)
    model = build_model(recipe)
    x = torch.rand(2, 1, 3, 64, 64)
    x = torch.nn.functional.avg_pool2d(x.flatten(0, 1), 5, 1, 2).unflatten(0, (2, 1))  # smooth images
    sc = StageConfig("iframe", 10, lr=3e-3, frames=1)
    params = stages.set_trainable(model, sc.name)
    opt = torch.optim.Adam(params, lr=sc.lr)
    losses = []
    for step in range(12):
        torch.manual_seed(1)  # the same channel noise every step: a deterministic objective
        terms = stages.stage_loss(model, x, torch.full((2,), 10.0), recipe, sc, step)
        opt.zero_grad()
        terms["loss"].backward()
        opt.step()
        losses.append(float(terms["loss"].detach()))
    assert losses[-1] < 0.7 * losses[0], losses


def test_latent_weight_prices_the_jscc_error(recipe):
    """An iframe stage's latent_weight adds w·‖ŷ − y‖² to the loss, with gradient into the JSCC;
    0 (the default) leaves the loss as it was; other stages refuse it."""
    from dvst.train.trainer import build_model

    torch.manual_seed(0)
    model = build_model(recipe)
    x = torch.rand(2, 1, 3, 64, 64)
    plain, priced = StageConfig("iframe", 1, frames=1), StageConfig("iframe", 1, frames=1, latent_weight=2.0)
    terms = {}
    for sc in (plain, priced):
        stages.set_trainable(model, sc.name)
        torch.manual_seed(1)
        terms[sc.latent_weight] = stages.stage_loss(model, x, torch.full((2,), 10.0), recipe, sc, 0)
    torch.manual_seed(1)
    out = model(x, torch.full((2,), 10.0), stage="iframe")
    err = out["latent_err"].mean()
    added = float((terms[2.0]["loss"] - terms[0.0]["loss"]).detach())
    assert float(err.detach()) > 0
    assert added == pytest.approx(2.0 * float(err.detach()), rel=1e-4)
    model.zero_grad(set_to_none=True)
    err.backward()
    enc = [p for n, p in model.named_parameters() if n.startswith("iframe.link.encoder") and p.grad is not None]
    assert enc and any(float(p.grad.abs().sum()) > 0 for p in enc)
    with pytest.raises(ProjectError, match="latent_weight"):
        StageConfig("joint", 1, frames=2, latent_weight=1.0)
    with pytest.raises(ProjectError, match="latent_weight"):
        StageConfig("iframe", 1, frames=1, latent_weight=-1.0)


def test_every_stage_runs_and_resume_restores_state(recipe):
    from dvst.train.trainer import train

    recipe.stages = [StageConfig(n, 2, lr=1e-3, frames=1 if n == "iframe" else 2)
                     for n in ("iframe", "motion_transform", "motion_jscc", "primary_transform",
                               "primary_jscc", "joint")]
    recipe.val_every = 6
    run = train(recipe, max_steps=7, show_progress=False)
    state = load_training(run / "last.pt")
    assert (state["stage"], state["step"], state["global_step"]) == (3, 1, 7)
    exp_avg = [v["exp_avg"].clone() for v in state["optimizer"]["state"].values()]
    assert exp_avg
    # resume: the optimizer state comes back exactly, then training goes on from step 7
    from dvst.train.trainer import build_model

    model = build_model(recipe)
    model.load_state_dict(state["model"])
    opt = torch.optim.Adam(stages.set_trainable(model, "primary_transform"), lr=1e-3)
    opt.load_state_dict(state["optimizer"])
    assert all(torch.equal(a, opt.state_dict()["state"][i]["exp_avg"]) for i, a in enumerate(exp_avg))
    train(recipe, show_progress=False)
    final = load_training(run / "last.pt")
    assert (final["stage"], final["global_step"]) == (6, 12)
    assert (run / "model.pt").is_file()
    rows = (run / "train.csv").read_text().splitlines()
    assert len(rows) == 13 and rows[-1].split(",")[1] == "joint"
    val = (run / "val.csv").read_text().splitlines()  # steps 6 and 12, then the final one
    assert len(val) == 4 and val[0].startswith("time_s,stage,global_step")
    assert all(0 < float(r.split(",")[4]) < 60 for r in val[1:])  # PSNR of the held-out clip
    from dvst.codec.checkpoint import load

    load(run / "model.pt")  # the exported weights load in the codec
    slim(run / "last.pt", run / "slim.pt")
    assert load_training(run / "slim.pt")["optimizer"] == {}
    from dvst.train.checkpoint import join_slim, split_slim

    shards = split_slim(run / "last.pt", run / "s", max_bytes=20_000)
    assert len(shards) > 2 and all(p.stat().st_size < 200_000 for p in shards)
    joined = load_training(join_slim(shards[::-1], run / "joined.pt"))
    assert joined["model"].keys() == final["model"].keys() and joined["global_step"] == 12
    assert all(torch.allclose(joined["model"][k].float(), v.float(), rtol=2e-3, atol=1e-4)
               for k, v in final["model"].items())
    with pytest.raises(ProjectError, match="complete set"):
        join_slim(shards[1:], run / "bad.pt")


def test_corrupt_checkpoint_is_one_line_error(recipe, tmp_path):
    bad = tmp_path / "runs" / "t" / "last.pt"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ProjectError) as e:
        load_training(bad)
    assert "corrupt checkpoint" in str(e.value) and "\n" not in str(e.value)
    torch.save({"hello": 1}, bad)
    with pytest.raises(ProjectError, match="not a DVST training checkpoint"):
        load_training(bad)
    from dvst.cli import main

    cfg = tmp_path / "t.yaml"
    from foundation.yaml_config import to_mapping

    cfg.write_text(yaml.safe_dump(to_mapping(recipe)))
    bad.write_bytes(b"\x00garbage")
    assert main(["train", "--config", str(cfg)]) == 2


def test_distortions():
    x = torch.rand(2, 3, 64, 64)
    assert torch.allclose(distortion(x, x), torch.zeros(2))
    assert float(distortion(x.clamp(0, 0.5), x).mean()) > 0
    d = distortion(x, x, "msssim")
    assert d.shape == (2,) and float(d.abs().max()) < 1e-5
    assert msssim_window(144, 176) == 9 and msssim_window(256, 256) == 11
    with pytest.raises(ProjectError):
        distortion(x, x, "l1")


def test_init_starts_from_the_given_weights(recipe, tmp_path):
    from dvst.train.trainer import build_model, export_weights

    torch.manual_seed(3)
    source = build_model(recipe)
    path = export_weights(source, tmp_path / "start.pt")
    torch.manual_seed(4)
    assert not all(torch.equal(a, b) for a, b in zip(build_model(recipe).state_dict().values(),
                                                      source.state_dict().values()))
    recipe.init = str(path)
    started = build_model(recipe).state_dict()
    assert all(torch.equal(started[k], v) for k, v in source.state_dict().items())
    recipe.init = "no-such-model"
    with pytest.raises(ProjectError, match="unknown model"):
        build_model(recipe)


def test_cli_overrides_eta_and_rejects_a_bad_one(recipe, tmp_path):
    from dvst.cli import main
    from foundation.yaml_config import to_mapping

    recipe.stages = [StageConfig("iframe", 1, lr=1e-3, frames=1)]
    cfg = tmp_path / "t.yaml"
    cfg.write_text(yaml.safe_dump(to_mapping(recipe)))
    assert main(["train", "--config", str(cfg), "--eta", "0.35"]) == 0
    run = tmp_path / "runs" / "t"
    assert yaml.safe_load((run / "config.yaml").read_text())["model_overrides"] == {"eta": 0.35}
    from dvst.codec.checkpoint import load

    assert load(run / "model.pt").config.eta == 0.35
    assert main(["train", "--config", str(cfg), "--eta", "-1"]) == 2


def test_campaign_moves_to_a_fresh_machine(recipe, tmp_path):
    """A campaign's position and logs, saved beside its float16 weights, rebuild the run on a
    machine that has no runs/ folder; training then continues where it stopped."""
    import shutil

    from dvst.codec.checkpoint import save
    from dvst.train.campaign import restore_campaign, save_campaign
    from dvst.train.trainer import build_model, train
    from foundation.yaml_config import to_mapping

    run = train(recipe, max_steps=4, show_progress=False)
    state = load_training(run / "last.pt")
    model = build_model(recipe)
    model.load_state_dict(state["model"])
    weights = tmp_path / "zoo" / "w.pt"
    save(weights, model.half())
    camp = tmp_path / "docs" / "camp"
    st = save_campaign(run, camp, weights)
    assert (st.stage, st.step, st.global_step) == (1, 1, 4)
    assert (camp / "train.csv").is_file()
    with pytest.raises(ProjectError, match="latest weights"):        # stale weights are refused
        save(tmp_path / "other.pt", build_model(recipe))
        save_campaign(run, tmp_path / "c2", tmp_path / "other.pt")
    shutil.rmtree(run)                                              # the fresh machine
    restore_campaign(camp, run, to_mapping(recipe))
    again = load_training(run / "last.pt")
    assert (again["stage"], again["step"], again["global_step"]) == (1, 1, 4)
    for k, v in state["model"].items():
        assert torch.allclose(again["model"][k], v, rtol=2e-3, atol=1e-4)
    train(recipe, show_progress=False)
    assert load_training(run / "last.pt")["global_step"] == 6
    weights.write_bytes(weights.read_bytes() + b"x")
    with pytest.raises(ProjectError, match="sha256"):
        restore_campaign(camp, tmp_path / "r2", to_mapping(recipe))


def test_init_transplants_what_fits_from_another_configuration(recipe, tmp_path, caplog):
    from dvst.codec.checkpoint import save
    from dvst.codec.model_config import load_model_config
    from dvst.codec.video import DVSTModel
    from dvst.train.trainer import build_model

    caplog.set_level("INFO", logger="dvst.train")
    torch.manual_seed(1)
    other = DVSTModel(load_model_config(recipe.model, v_primary=[0, 2, 4, 8, 16, 24, 32, 40]))
    save(tmp_path / "other.pt", other)
    recipe.init = str(tmp_path / "other.pt")
    model = build_model(recipe)
    assert "transplanted" in caplog.text
    torch.testing.assert_close(model.iframe.g_a.embed.weight, other.iframe.g_a.embed.weight)
    assert model.iframe.link.encoder.bank.weight.shape != other.iframe.link.encoder.bank.weight.shape
    assert not torch.equal(build_model(recipe, init=False).iframe.g_a.embed.weight, other.iframe.g_a.embed.weight)


def test_moment_steps_fill_adam_without_moving_the_weights(recipe):
    """A stage's ``moment_steps`` run at learning rate 0: Adam's moments fill from real
    gradients, the weights stay as they were; the warm-up and decay follow them."""
    from dvst.train.checkpoint import load_training
    from dvst.train.recipe import stage_lr
    from dvst.train.trainer import build_model, train

    st = StageConfig("iframe", 10, lr=1e-3, frames=1, moment_steps=4, warmup_steps=2, lr_min=1e-5)
    assert [stage_lr(st, s) for s in range(4)] == [0.0] * 4
    assert stage_lr(st, 4) == pytest.approx(1e-5) and stage_lr(st, 6) == pytest.approx(1e-3)
    assert stage_lr(st, 10) == pytest.approx(1e-5)
    recipe.stages = [StageConfig("iframe", 3, lr=1e-3, frames=1, moment_steps=3)]
    torch.manual_seed(0)
    before = {k: v.clone() for k, v in build_model(recipe).state_dict().items()}
    torch.manual_seed(0)  # the trainer builds the same model
    run = train(recipe, max_steps=3, show_progress=False)
    state = load_training(run / "last.pt")
    assert all(torch.equal(before[k], v) for k, v in state["model"].items())
    moments = state["optimizer"]["state"]
    filled = [float(s["exp_avg_sq"].abs().sum()) > 0 for s in moments.values()]
    assert moments and sum(filled) > len(filled) / 2   # (a few tensors get no gradient in this stage)


def test_a_mid_stage_resume_without_optimizer_state_gets_moment_steps_too(recipe):
    """A campaign resumes from its weights alone (no optimizer state is committed): the empty
    Adam it starts with in the middle of a stage fills its moments before any update."""
    from dvst.train.checkpoint import load_training, save_training
    from dvst.train.trainer import train

    recipe.stages = [StageConfig("iframe", 8, lr=1e-3, frames=1)]
    run = train(recipe, max_steps=2, show_progress=False)
    state = load_training(run / "last.pt")
    assert state["stage"] == 0 and state["step"] == 2
    state["optimizer"] = {}                          # what restore_campaign writes
    save_training(run / "last.pt", state)
    recipe.stages = [StageConfig("iframe", 8, lr=1e-3, frames=1, moment_steps=3)]
    train(recipe, max_steps=3, show_progress=False)  # steps 2, 3, 4: all moment steps
    after = load_training(run / "last.pt")
    assert after["step"] == 5
    assert all(torch.equal(state["model"][k], v) for k, v in after["model"].items())
    train(recipe, max_steps=1, show_progress=False)  # its optimizer state was saved: a real update now
    moved = load_training(run / "last.pt")
    assert not all(torch.equal(after["model"][k], v) for k, v in moved["model"].items())

"""The training loop: progressive stages, CSV log, timed checkpoints, resume, DDP.

One code path for one CPU process and for ``torchrun --nproc_per_node N`` (PyTorch
DistributedDataParallel, NCCL on GPUs, Gloo on CPUs): rank 0 logs, validates and writes
checkpoints; every rank draws its own augmented batches from a rank-seeded sampler.

A run lives in ``OUT_DIR/NAME/``: ``last.pt`` (the training checkpoint, resumed automatically),
``train.csv`` (one row per ``log_every`` steps), ``val.csv`` (validation at ``val_snr_db``),
``model.pt`` (final weights in the codec's checkpoint format) and ``config.yaml``.
"""

from __future__ import annotations

import csv
import logging
import math
import os
import time
from pathlib import Path

import numpy as np
import torch

from dvst.errors import DvstError
from dvst.train import stages
from dvst.train.augment import ClipSampler
from dvst.train.checkpoint import load_training, save_training
from dvst.train.data import describe, load_validation, load_validation_photos
from dvst.train.data import load_training as load_sequences
from dvst.train.recipe import StageConfig, TrainConfig, stage_lr
from foundation.yaml_config import to_mapping

log = logging.getLogger(__name__)

TRAIN_FIELDS = ("time_s", "stage", "step", "global_step", "loss", "d", "psnr_db", "cbr", "cbr_motion",
                "snr_db", "lr")
VAL_FIELDS = ("time_s", "stage", "global_step", "snr_db", "psnr_db", "msssim_db", "payload_cbr",
              "photo_psnr_db", "photo_cbr")


def _dist() -> tuple[int, int, int]:
    """(rank, world size, local rank) from torchrun's environment; (0, 1, 0) otherwise."""
    return int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1)), int(os.environ.get("LOCAL_RANK", 0))


def _device(cfg: TrainConfig, local_rank: int) -> torch.device:
    if cfg.device != "auto":
        dev = torch.device(cfg.device)
        return torch.device("cuda", local_rank) if dev.type == "cuda" and dev.index is None else dev
    return torch.device(f"cuda:{local_rank}") if torch.cuda.is_available() else torch.device("cpu")


def build_model(cfg: TrainConfig, init: bool = True):
    """The DVSTModel a recipe trains (fresh, or from ``cfg.init``: a shipped model's name or a .pt file).

    When the init weights belong to another configuration of the same networks (a changed JSCC
    patch, say), every tensor whose name and shape agree is copied and the rest keep their fresh
    initialisation: a transplant, reported on one line. ``init=False``: fresh weights only (the
    run resumes from its checkpoint anyway).
    """
    from dvst.codec.model_config import load_model_config
    from dvst.codec.video import DVSTModel

    model = DVSTModel(load_model_config(cfg.model, **cfg.model_overrides))
    if cfg.init and init:
        from dvst.zoo import load_model

        src = load_model(cfg.init)
        if src.config == model.config:
            model.load_state_dict(src.state_dict())
        else:
            own, theirs = model.state_dict(), src.state_dict()
            same = {k: v for k, v in theirs.items() if k in own and own[k].shape == v.shape}
            if not same:
                raise DvstError(f"{cfg.init} shares no weights with model {cfg.model}")
            model.load_state_dict(same, strict=False)
            log.info(f"{cfg.name}: transplanted {len(same)} of {len(own)} tensors from {cfg.init} "
                     f"(its configuration differs); the rest start fresh")
    return model


def export_weights(model, path: Path) -> Path:
    """Write the model's weights in the codec's checkpoint format (what the zoo and ``dvst eval`` load)."""
    from dvst.codec.checkpoint import save

    save(path, getattr(model, "module", model))
    return path


def export_run(run_dir: str | Path) -> Path:
    """``RUN_DIR/last.pt`` → ``RUN_DIR/model.pt``: the weights of a run, finished or stopped early."""
    from foundation.yaml_config import from_mapping

    run_dir = Path(run_dir)
    state = load_training(run_dir / "last.pt")
    cfg = from_mapping(TrainConfig, state["config"], where=f"{run_dir / 'last.pt'}")
    cfg.init = None
    model = build_model(cfg)
    model.load_state_dict(state["model"])
    return export_weights(model, run_dir / "model.pt")


def draw_snr(cfg: TrainConfig, n: int, rng: np.random.Generator, stage: StageConfig | None = None) -> torch.Tensor:
    """Per-sample channel SNR in dB [n]: uniform over [lo, hi] (the stage's, else the recipe's),
    or the fixed value."""
    span = stage.snr_db if stage is not None and stage.snr_db is not None else cfg.snr_db
    lo, hi = (span[0], span[-1])
    return torch.as_tensor(rng.uniform(lo, hi, n) if hi > lo else np.full(n, lo), dtype=torch.float32)


def draw_eta(stage: StageConfig, rng: np.random.Generator) -> float | None:
    """The bandwidth scale η of one step: log-uniform over the stage's [lo, hi], its fixed
    value, or None (the model's own η)."""
    if stage.eta is None:
        return None
    lo, hi = stage.eta[0], stage.eta[-1]
    return float(np.exp(rng.uniform(np.log(lo), np.log(hi)))) if hi > lo else float(lo)


class _CSV:
    """Append rows to a CSV file, writing the header once."""

    def __init__(self, path: Path, fields: tuple[str, ...]):
        self.path, self.fields = path, fields
        if not path.exists():
            with path.open("w", newline="") as f:
                csv.writer(f).writerow(fields)

    def write(self, row: dict) -> None:
        with self.path.open("a", newline="") as f:
            csv.writer(f).writerow([_fmt(row.get(k, "")) for k in self.fields])


def _fmt(v):
    return f"{v:.6g}" if isinstance(v, float) else v


def validate(model, clips, snr_db: float, channel: str, photos=()) -> dict[str, float]:
    """Mean PSNR, MS-SSIM (dB) and payload CBR over the validation clips (GOP 4, seeded), and
    PSNR and payload CBR over the validation photographs (I-frames)."""
    from dvst.eval.codec_sim import evaluate

    res = [evaluate(c.frames, model, snr_db, channel=channel, gop=4, seed=0) for c in clips]
    out = {k: float(np.mean([r[k] for r in res])) for k in ("psnr_db", "msssim_db", "payload_cbr")} if res else {}
    if photos:
        res = [evaluate(p.frames, model, snr_db, channel=channel, gop=1, seed=0) for p in photos]
        out["photo_psnr_db"] = float(np.mean([r["psnr_db"] for r in res]))
        out["photo_cbr"] = float(np.mean([r["payload_cbr"] for r in res]))
    return out


def train(cfg: TrainConfig, resume: bool = True, max_steps: int | None = None,
          time_limit_s: float | None = None, show_progress: bool = True,
          task_loss=None) -> Path:
    """Run (or resume) the recipe ``cfg``; returns the run folder.

    max_steps / time_limit_s stop this call early (after a checkpoint), so a run can be spread
    over several sessions or several short GPU leases. task_loss: the β·D_task hook
    (:data:`dvst.train.losses.TaskLoss`), weighted by ``cfg.beta``.
    """
    from dvst.console import progress

    rank, world, local_rank = _dist()
    device = _device(cfg, local_rank)
    if world > 1 and not torch.distributed.is_initialized():
        torch.distributed.init_process_group("nccl" if device.type == "cuda" else "gloo")
    if device.type == "cuda":
        torch.cuda.set_device(device)
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        torch.backends.cudnn.benchmark = True
    else:
        torch.set_num_threads(cfg.threads)
    run_dir = Path(cfg.out_dir) / cfg.name
    ckpt_path = run_dir / "last.pt"
    t_start = time.monotonic()

    model = build_model(cfg, init=not (resume and ckpt_path.exists())).to(device)
    if device.type == "cuda" and cfg.amp:
        model = model.to(memory_format=torch.channels_last)
    start_stage, start_step, global_step, elapsed0, opt_state = 0, 0, 0, 0.0, None
    if resume and ckpt_path.exists():
        state = load_training(ckpt_path, map_location=device)
        if state["config"].get("model") != cfg.model:
            raise DvstError(f"{ckpt_path} belongs to another model ({state['config'].get('model')}); use a new name")
        if state["config"].get("lmbda") != cfg.lmbda and rank == 0:
            # a campaign may change λ between rounds; the log says where
            log.info(f"{cfg.name}: λ changes from {state['config'].get('lmbda')} to {cfg.lmbda} "
                     f"at global step {state['global_step']}")
        try:
            model.load_state_dict(state["model"])
        except RuntimeError as e:
            raise DvstError(f"{ckpt_path} does not fit this model: {str(e).splitlines()[0]}") from None
        start_stage, start_step = int(state["stage"]), int(state["step"])
        global_step, elapsed0, opt_state = int(state["global_step"]), float(state["elapsed_s"]), state["optimizer"]
    seqs = load_sequences(cfg.data)
    val_clips = load_validation(cfg.data) if rank == 0 else []
    val_photos = load_validation_photos(cfg.data) if rank == 0 else []
    if rank == 0:
        run_dir.mkdir(parents=True, exist_ok=True)
        import yaml

        (run_dir / "config.yaml").write_text(yaml.safe_dump(to_mapping(cfg), sort_keys=False))
        log.info(f"{cfg.name}: {describe(seqs)}; validation: "
                 f"{', '.join(c.name for c in val_clips + val_photos) or 'none'}; device {device}, world {world}")
    tlog = _CSV(run_dir / "train.csv", TRAIN_FIELDS) if rank == 0 else None
    vlog = _CSV(run_dir / "val.csv", VAL_FIELDS) if rank == 0 else None
    rng = np.random.default_rng([cfg.seed, rank, global_step])
    last_ckpt = time.monotonic()
    steps_this_call = 0

    def elapsed() -> float:
        return elapsed0 + time.monotonic() - t_start

    def checkpoint(stage_idx: int, step: int, optimizer) -> None:
        if rank != 0:
            return
        save_training(ckpt_path, {
            "model": {k: v.detach().cpu() for k, v in model.state_dict().items()},
            "optimizer": optimizer.state_dict() if optimizer is not None else {},
            "stage": stage_idx, "step": step, "global_step": global_step,
            "config": to_mapping(cfg), "rng": [cfg.seed, rank, global_step], "elapsed_s": elapsed()})

    stopped = False
    for si in range(start_stage, len(cfg.stages)):
        sc = cfg.stages[si]
        first = start_step if si == start_stage else 0
        if first >= sc.steps:
            continue
        if sc.init_pframe and first == 0:
            model.init_pframe_from_iframe()
        params = stages.set_trainable(model, sc.name)
        optimizer = torch.optim.Adam(params, lr=stage_lr(sc, first))
        # an empty Adam in the middle of a stage (a campaign resumed from its weights alone) gets
        # the stage's moment steps too: its first updates would otherwise be sign-like jolts
        moments_until = first + sc.moment_steps if first > 0 and not (opt_state and si == start_stage) else 0
        if opt_state and si == start_stage:
            try:
                optimizer.load_state_dict(opt_state)
            except (ValueError, KeyError):
                raise DvstError(f"{ckpt_path}: its optimizer state does not fit stage {sc.name}") from None
        net = model
        if world > 1:
            net = torch.nn.parallel.DistributedDataParallel(
                model, device_ids=[device.index] if device.type == "cuda" else None,
                find_unused_parameters=True)  # a stage may leave trainable parts unused (e.g. rate-off steps)
        sampler = ClipSampler(seqs, sc.frames, sc.crop or cfg.crop, cfg.augment,
                              seed=int(rng.integers(2**31)))
        bs = sc.batch_size or cfg.batch_size
        bar = progress(total=sc.steps, initial=first,
                       desc=f"{cfg.name} {si + 1}/{len(cfg.stages)} {sc.name}") if show_progress and rank == 0 else None
        model.train()
        acc: dict[str, list[float]] = {}
        done = first
        try:  # Ctrl-C saves a checkpoint first, so nothing since the last one is lost
            for step in range(first, sc.steps):
                x = sampler.batch(bs).to(device, non_blocking=True)
                snr = draw_snr(cfg, bs, rng, sc).to(device)
                eta = draw_eta(sc, rng)
                lr = 0.0 if step < moments_until else stage_lr(sc, step)
                for group in optimizer.param_groups:
                    group["lr"] = lr
                with torch.autocast(device.type, dtype=torch.bfloat16, enabled=cfg.amp and device.type == "cuda"):
                    terms = stages.stage_loss(net, x, snr, cfg, sc, step, task_loss, eta=eta)
                optimizer.zero_grad(set_to_none=True)
                terms["loss"].backward()
                if cfg.grad_clip:
                    torch.nn.utils.clip_grad_norm_(params, cfg.grad_clip)
                optimizer.step()
                global_step += 1
                steps_this_call += 1
                for k, v in terms.items():
                    acc.setdefault(k, []).append(float(v.detach()))
                if bar is not None:
                    bar.update(1)
                if rank == 0 and (step + 1) % cfg.log_every == 0:
                    mean = {k: float(np.mean(v)) for k, v in acc.items()}
                    acc = {}
                    tlog.write({"time_s": elapsed(), "stage": sc.name, "step": step + 1, "global_step": global_step,
                               "loss": mean["loss"], "d": mean["d"], "psnr_db": mean.get("psnr_db", ""),
                               "cbr": mean.get("cbr", ""), "cbr_motion": mean.get("cbr_motion", ""),
                               "snr_db": float(snr.mean()), "lr": lr})
                    if bar is not None:
                        bar.set_postfix(loss=f"{mean['loss']:.4g}", psnr=f"{mean.get('psnr_db', 0):.2f}",
                                        cbr=f"{mean.get('cbr', 0):.4f}")
                if not math.isfinite(float(terms["loss"].detach())):
                    raise DvstError(f"loss became {float(terms['loss'].detach())} at stage {sc.name} step {step + 1}; "
                                    f"lower the learning rate or resume from the last checkpoint")
                if rank == 0 and (val_clips or val_photos) and cfg.val_every and global_step % cfg.val_every == 0:
                    _validate_and_log(model, val_clips, val_photos, cfg, sc.name, global_step, vlog, elapsed())
                done = step + 1
                if time.monotonic() - last_ckpt > cfg.checkpoint_minutes * 60:
                    checkpoint(si, done, optimizer)
                    last_ckpt = time.monotonic()
                if (max_steps and steps_this_call >= max_steps) or \
                        (time_limit_s and time.monotonic() - t_start > time_limit_s):
                    checkpoint(si, done, optimizer)
                    stopped = True
                    break
        except KeyboardInterrupt:
            checkpoint(si, done, optimizer)
            raise
        if bar is not None:
            bar.close()
        if stopped:
            break
        checkpoint(si + 1, 0, None)  # the next stage trains other parameters: a fresh Adam
    if rank == 0 and not stopped:
        export_weights(model, run_dir / "model.pt")
        if (val_clips or val_photos) and cfg.val_every:
            _validate_and_log(model, val_clips, val_photos, cfg, "final", global_step, vlog, elapsed())
    if world > 1:
        torch.distributed.barrier()
    return run_dir


def _validate_and_log(model, clips, photos, cfg: TrainConfig, stage: str, global_step: int, vlog: _CSV,
                      elapsed_s: float) -> None:
    was_training = model.training
    v = validate(model, clips, cfg.val_snr_db, cfg.channel, photos)
    model.train(was_training)
    vlog.write({"time_s": elapsed_s, "stage": stage, "global_step": global_step, "snr_db": cfg.val_snr_db, **v})
    parts = []
    if "psnr_db" in v:
        parts.append(f"video PSNR {v['psnr_db']:.2f} dB, MS-SSIM {v['msssim_db']:.2f} dB, CBR {v['payload_cbr']:.4f}")
    if "photo_psnr_db" in v:
        parts.append(f"photos PSNR {v['photo_psnr_db']:.2f} dB, CBR {v['photo_cbr']:.4f}")
    log.info(f"validation at step {global_step} ({stage}), {cfg.val_snr_db:g} dB: {'; '.join(parts)}")

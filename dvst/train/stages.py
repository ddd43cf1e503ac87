"""The loss of each of the paper's progressive training stages (§III-B).

The stages, what they run and train, and which outputs make their loss are one table,
``dvst.codec.stages.STAGES``; this module turns the codec's training forward into the loss
λ·rates + D(main) (+ D(aux)) (+ β·D_task) (+ w·‖ŷ − y‖² in an iframe stage with
``latent_weight`` w), with D the MSE or 1 − MS-SSIM and rates as CBR (complex symbols per source
value, η·r of eq. 10).
"""

from __future__ import annotations

import torch

from dvst.codec.stages import stage_plan
from dvst.train.losses import TaskLoss, distortion, mse_to_psnr
from dvst.train.recipe import StageConfig, TrainConfig


def _core(model):
    """The DVSTModel inside a DistributedDataParallel wrapper (or the model itself)."""
    return getattr(model, "module", model)


def set_trainable(model, stage: str) -> list[torch.nn.Parameter]:
    """Freeze all but what ``stage`` trains; returns the trainable parameters."""
    return _core(model).set_stage(stage)


def stage_loss(model, x: torch.Tensor, snr_db: torch.Tensor, cfg: TrainConfig, stage: StageConfig,
               step: int, task_loss: TaskLoss | None = None, eta: float | None = None) -> dict[str, torch.Tensor]:
    """The loss of one batch x float [B, T, 3, H, W] in [0, 1] at per-sample ``snr_db`` [B].

    task_loss: the β·D_task hook (cfg.beta) on each main reconstruction, e.g. a segmentation
    network's loss. eta: the primary link's bandwidth scale for this batch (None: the model's).
    Returns ``loss`` (with gradient) and detached figures for the log: ``d`` (the main
    distortion), ``psnr_db`` (of the main reconstruction), ``cbr`` (symbols actually sent incl.
    side information, per frame), ``cbr_motion``.
    """
    plan = stage_plan(stage.name)
    out = model(x, snr_db, channel=cfg.channel, stage=stage.name, eta=eta)
    b, t, _, h, w = x.shape
    m = h * w * 3
    frames = range(t) if plan.intra else range(1, t)
    lmbda = cfg.lmbda if stage.lmbda is None else stage.lmbda
    if stage.name == "primary_transform" and step < stage.rate_off_steps:
        lmbda = 0.0

    def dist(key: str, i: int) -> torch.Tensor:
        return distortion(out[key][:, i], x[:, i], cfg.metric).mean()

    main_key, rate_keys, aux_key = plan.main, plan.rates, plan.aux
    losses, mains, mses = [], [], []
    for i in frames:
        rate = sum(out[k][:, i].mean() / m for k in rate_keys)
        main = dist(main_key, i)
        li = lmbda * rate + main
        if stage.latent_weight:   # the JSCC's own error, ‖ŷ − y‖², beside what reaches it through g_s
            li = li + stage.latent_weight * out["latent_err"][:, i].mean()
        if aux_key is not None:
            li = li + dist(aux_key, i)
        rec = out[main_key][:, i]
        if cfg.beta and task_loss is not None:
            li = li + cfg.beta * task_loss(rec, x[:, i]).mean()
        losses.append(li)
        mains.append(main.detach())
        mses.append(torch.mean((rec.detach().clamp(0, 1) - x[:, i]) ** 2))
    sel = list(frames)
    cbr = out["cbr"][:, sel].mean().detach()
    cbr_ml = (out["k_ml_sent"][:, sel].mean() / m).detach()
    return {"loss": torch.stack(losses).mean(), "d": torch.stack(mains).mean(),
            "psnr_db": torch.tensor(mse_to_psnr(float(torch.stack(mses).mean()))),
            "cbr": cbr, "cbr_motion": cbr_ml}

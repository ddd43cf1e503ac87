"""The paper's progressive training (§III-B): which loss each stage minimises.

The codec's training forward (``DVSTModel.forward(frames, snr_db, channel, stage)``) runs what a
stage needs and freezes the rest; this module turns its outputs into the stage's loss, with
D the MSE or 1 − MS-SSIM and rates as CBR (complex symbols per source value, η·r of eq. 10):

============================  ======  ==============================================================
recipe stage                  codec   loss per P-frame (frame 0 is the reference, never in the loss)
============================  ======  ==============================================================
``iframe``                    "I"     λ·k + D(x̂) + D(x̃)                      (NTSCC, x̃: no channel)
``motion_transform`` (1)      1       λ·k_ml + D(warp(x_{t−1}, m̈_t), x_t)       eq. 20
``motion_jscc`` (2)           2       λ·k_ml + D̈_mv + D(warp(x_{t−1}, m̂_t), x_t)  eq. 22
``primary_transform`` (3)     3       λ·k_pl + D(x̃)  (λ = 0 for ``rate_off_steps``)  eq. 21
``primary_jscc`` (4)          4       λ·k_pl + D̈ + D(x̂)                         eq. 23
``joint`` (5)                 5       λ·(k_pl + k_ml) + D(x̂) + D(x̃), GOP-unrolled  eq. 24
============================  ======  ==============================================================
"""

from __future__ import annotations

import torch

from dvst.train.recipe import StageConfig, TrainConfig
from dvst.train.losses import TaskLoss, distortion, mse_to_psnr

CODEC_STAGE = {"iframe": "I", "motion_transform": 1, "motion_jscc": 2, "primary_transform": 3,
               "primary_jscc": 4, "joint": 5}

#: stage → (main reconstruction, rate terms priced by λ, auxiliary reconstruction or None):
#: the table of the module docstring, one row per equation.
LOSS_TERMS = {
    "iframe": ("x_hat", ("k_pl",), "x_tilde"),
    "motion_transform": ("x_warp_tilde", ("k_ml",), None),    # eq. 20
    "motion_jscc": ("x_warp", ("k_ml",), "x_warp_tilde"),      # eq. 22
    "primary_transform": ("x_tilde", ("k_pl",), None),         # eq. 21
    "primary_jscc": ("x_hat", ("k_pl",), "x_tilde"),           # eq. 23
    "joint": ("x_hat", ("k_pl", "k_ml"), "x_tilde"),           # eq. 24
}


def _core(model):
    """The DVSTModel inside a DistributedDataParallel wrapper (or the model itself)."""
    return getattr(model, "module", model)


def set_trainable(model, stage: str) -> list[torch.nn.Parameter]:
    """Freeze all but what ``stage`` trains; returns the trainable parameters."""
    return _core(model).set_stage(CODEC_STAGE[stage])


def stage_loss(model, x: torch.Tensor, snr_db: torch.Tensor, cfg: TrainConfig, stage: StageConfig,
               step: int, task_loss: TaskLoss | None = None, eta: float | None = None) -> dict[str, torch.Tensor]:
    """The loss of one batch x float [B, T, 3, H, W] in [0, 1] at per-sample ``snr_db`` [B].

    task_loss: the β·D_task hook (cfg.beta) on each main reconstruction, e.g. a segmentation
    network's loss. eta: the primary link's bandwidth scale for this batch (None: the model's).
    Returns ``loss`` (with gradient) and detached figures for the log: ``d`` (the main
    distortion), ``psnr_db`` (of the main reconstruction), ``cbr`` (symbols actually sent incl.
    side information, per frame), ``cbr_motion``.
    """
    out = model(x, snr_db, channel=cfg.channel, stage=CODEC_STAGE[stage.name], eta=eta)
    b, t, _, h, w = x.shape
    m = h * w * 3
    frames = range(t) if stage.name == "iframe" else range(1, t)
    lmbda = cfg.lmbda if stage.lmbda is None else stage.lmbda
    if stage.name == "primary_transform" and step < stage.rate_off_steps:
        lmbda = 0.0

    def dist(key: str, i: int) -> torch.Tensor:
        return distortion(out[key][:, i], x[:, i], cfg.metric).mean()

    main_key, rate_keys, aux_key = LOSS_TERMS[stage.name]
    losses, mains, mses = [], [], []
    for i in frames:
        rate = sum(out[k][:, i].mean() / m for k in rate_keys)
        main = dist(main_key, i)
        li = lmbda * rate + main
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

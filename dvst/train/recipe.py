"""Training recipes: ``dvst/train/recipes/NAME.yaml`` onto :class:`TrainConfig`.

A recipe names the model size, the distortion metric, λ, the SNR range, the data and the list
of stages (each one of :data:`dvst.codec.stages.STAGES`, with its step count). Unknown keys
and impossible values are one-line DvstErrors.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from dvst.codec.stages import STAGES
from dvst.errors import DvstError
from dvst.train.augment import AugmentConfig
from dvst.train.data import DataConfig
from foundation.yaml_config import load_dataclass, shipped

STAGE_NAMES = tuple(STAGES)  # the one table: dvst.codec.stages


@dataclass
class StageConfig:
    """One progressive stage: which part trains, for how many steps, on clips of ``frames``."""

    name: str
    steps: int
    lr: float = 1e-4
    frames: int = 2                  # clip length: 1 for the I-frame, 2 (ref + current) for 1–4
    rate_off_steps: int = 0          # primary_transform: the first steps without rate terms
    batch_size: int | None = None    # None: TrainConfig.batch_size
    crop: int | None = None          # None: TrainConfig.crop
    moment_steps: int = 0            # first steps at lr 0 (also after a resume with an empty Adam): moments fill
    warmup_steps: int = 0            # linear learning-rate warm-up from lr/100 (after moment_steps)
    lr_min: float | None = None      # cosine decay from lr to lr_min over the stage; None: constant
    snr_db: list[float] | None = None  # the stage's SNR ([fixed] or [lo, hi]); None: TrainConfig.snr_db
    eta: list[float] | None = None   # η per step ([fixed] or [lo, hi], log-uniform); None: the model's
    init_pframe: bool = False        # first copy the I-frame codec into the P-frame networks
    lmbda: float | None = None       # the stage's λ; None: TrainConfig.lmbda
    latent_weight: float = 0.0       # iframe: weight of ‖ŷ − y‖² (the JSCC's own error in the latent) in the loss

    def __post_init__(self) -> None:
        if self.name not in STAGE_NAMES:
            raise DvstError(f"unknown stage {self.name!r}; stages: {', '.join(STAGE_NAMES)}")
        if self.steps < 0 or self.frames < 1 or self.lr <= 0:
            raise DvstError(f"stage {self.name}: steps ≥ 0, frames ≥ 1 and lr > 0 are required")
        if self.warmup_steps < 0 or self.moment_steps < 0 or (self.lr_min is not None
                                                                and not 0 <= self.lr_min <= self.lr):
            raise DvstError(f"stage {self.name}: warmup_steps ≥ 0, moment_steps ≥ 0 and 0 ≤ lr_min ≤ lr "
                            f"are required")
        for key in ("snr_db", "eta"):
            v = getattr(self, key)
            if v is not None and (len(v) not in (1, 2) or v[0] > v[-1]):
                raise DvstError(f"stage {self.name}: {key} must be [fixed] or [lo, hi], got {v}")
        if self.lmbda is not None and self.lmbda < 0:
            raise DvstError(f"stage {self.name}: lmbda must be ≥ 0")
        if not 0 <= self.latent_weight < float("inf"):
            raise DvstError(f"stage {self.name}: latent_weight must be a finite number ≥ 0")
        if self.latent_weight and self.name != "iframe":
            raise DvstError(f"stage {self.name}: latent_weight applies to the iframe stage only")
        if self.eta is not None and self.eta[0] <= 0:
            raise DvstError(f"stage {self.name}: eta must be > 0")
        if self.name == "iframe" and self.frames != 1:
            raise DvstError("stage iframe trains on single frames: set frames: 1")
        if self.name != "iframe" and self.frames < 2:
            raise DvstError(f"stage {self.name} needs frames ≥ 2 (a reference and a P-frame)")


@dataclass
class TrainConfig:
    """A whole training run (see ``dvst/train/recipes/small_psnr_l1.yaml`` for a commented example)."""

    name: str = "run"
    model: str = "small"                    # dvst/codec/configs/NAME.yaml or a path
    model_overrides: dict = field(default_factory=dict)
    metric: str = "mse"                     # "mse" (PSNR models) or "msssim"
    lmbda: float = 0.05                     # price of one unit of CBR in units of D
    beta: float = 0.0                       # weight of the task-loss hook (0: off)
    snr_db: list[float] = field(default_factory=lambda: [0.0, 20.0])  # [lo, hi] uniform, or [fixed]
    channel: str = "awgn"
    batch_size: int = 8
    crop: int = 256
    seed: int = 0
    stages: list[StageConfig] = field(default_factory=list)
    data: DataConfig = field(default_factory=DataConfig)
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    init: str | None = None                 # start from these model weights (e.g. AWGN → Rayleigh)
    out_dir: str = "runs"                   # the run lives in OUT_DIR/NAME (ignored by git)
    checkpoint_minutes: float = 5.0
    log_every: int = 10
    val_every: int = 500
    val_snr_db: float = 10.0
    grad_clip: float = 1.0
    threads: int = 1                        # CPU threads per process
    device: str = "auto"                    # auto: cuda:LOCAL_RANK if available, else cpu
    amp: bool = False                       # bf16 autocast on CUDA

    def __post_init__(self) -> None:
        if self.metric not in ("mse", "msssim"):
            raise DvstError(f"metric must be mse or msssim, got {self.metric!r}")
        if self.lmbda < 0 or self.beta < 0:
            raise DvstError("lmbda and beta must be ≥ 0")
        if len(self.snr_db) not in (1, 2) or (len(self.snr_db) == 2 and self.snr_db[0] > self.snr_db[1]):
            raise DvstError(f"snr_db must be [fixed] or [lo, hi], got {self.snr_db}")
        if self.channel not in ("awgn", "rayleigh"):
            raise DvstError(f"channel must be awgn or rayleigh, got {self.channel!r}")
        if self.batch_size < 1 or self.crop < 64 or self.crop % 32:
            raise DvstError("batch_size ≥ 1 and crop a multiple of 32 (≥ 64) are required")
        if not self.stages:
            raise DvstError("the training config lists no stages")


def stage_lr(stage: StageConfig, step: int) -> float:
    """The learning rate of ``stage`` at its step ``step`` (0-based): 0 for ``moment_steps``
    (Adam's first and second moments fill from real gradients, so its first updates are not
    the sign-like steps of an empty optimiser), then warm-up, then constant or a cosine decay
    to ``lr_min`` over the remaining steps."""
    import math

    if step < stage.moment_steps:
        return 0.0
    step -= stage.moment_steps
    if step < stage.warmup_steps:
        return stage.lr * (0.01 + 0.99 * step / stage.warmup_steps)
    if stage.lr_min is None:
        return stage.lr
    span = max(1, stage.steps - stage.moment_steps - stage.warmup_steps)
    a = min(1.0, (step - stage.warmup_steps) / span)
    return stage.lr_min + 0.5 * (stage.lr - stage.lr_min) * (1 + math.cos(math.pi * a))


RECIPES = shipped("dvst.train", "recipes")  # dvst/train/recipes/NAME.yaml


def load_train_config(name_or_path: str | os.PathLike, **overrides) -> TrainConfig:
    """Load ``dvst/train/recipes/NAME.yaml`` or a YAML path, with flat top-level overrides."""
    return load_dataclass(TrainConfig, name_or_path, "train", RECIPES, overrides)

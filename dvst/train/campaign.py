"""A training campaign that outlives the machine: where it stands, kept in the repository.

A campaign runs over many sessions, on whatever machine each one gets; ``runs/`` (checkpoints
with optimizer state) stays behind on each. What travels is small: the weights ship in the zoo
(float16), and a folder such as ``docs/training/quality/`` holds ``state.yaml`` (which weights,
and where the recipe stands: stage, step, global step, training time) with the run's
``train.csv`` and ``val.csv``. On a fresh machine, :func:`restore_campaign` rebuilds
``runs/NAME/last.pt`` from them, so ``dvst train`` resumes where the last session stopped (with a
fresh Adam state, as from any slim checkpoint).
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

from dvst.errors import DvstError
from foundation.yaml_config import from_mapping, load_yaml, to_mapping

LOGS = ("train.csv", "val.csv")


@dataclass
class CampaignState:
    """Where a campaign stands (``state.yaml``)."""

    run: str                  # the run's name (runs/RUN)
    weights: str              # the weights file, relative to the folder of state.yaml
    weights_sha256: str
    stage: int                # index into the recipe's stages of the next step
    step: int                 # steps done in that stage
    global_step: int
    elapsed_s: float          # training time so far, all machines


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def save_campaign(run_dir: str | Path, dest: str | Path, weights: str | Path) -> CampaignState:
    """Record ``RUN_DIR``'s position and logs in ``dest`` beside its ``weights`` (a codec checkpoint,
    e.g. the zoo's float16 copy), checking that those weights are the run's latest."""
    import os

    import torch

    from dvst.codec.checkpoint import read
    from dvst.train.checkpoint import load_training

    run_dir, dest, weights = Path(run_dir), Path(dest), Path(weights)
    state = load_training(run_dir / "last.pt")
    saved = read(weights)["state_dict"]
    for key, value in state["model"].items():
        other = saved.get(key)
        if other is None or other.shape != value.shape or \
                not torch.allclose(other.float(), value.float(), rtol=2e-3, atol=1e-4):
            raise DvstError(f"{weights} does not hold the latest weights of {run_dir} ({key} differs)")
    dest.mkdir(parents=True, exist_ok=True)
    cfg = state["config"]
    st = CampaignState(run=str(cfg.get("name", run_dir.name)),
                       weights=os.path.relpath(weights, dest), weights_sha256=_sha256(weights),
                       stage=int(state["stage"]), step=int(state["step"]),
                       global_step=int(state["global_step"]), elapsed_s=float(state["elapsed_s"]))
    import yaml

    (dest / "state.yaml").write_text("# Where the training campaign stands (dvst.train.campaign).\n"
                                     + yaml.safe_dump(to_mapping(st), sort_keys=False))
    for name in LOGS:
        if (run_dir / name).is_file():
            shutil.copyfile(run_dir / name, dest / name)
    return st


def restore_campaign(src: str | Path, run_dir: str | Path, config: dict) -> CampaignState:
    """Rebuild ``RUN_DIR/last.pt`` (and its logs) from a campaign folder; ``config`` is the
    training recipe's mapping the run continues with. Refuses weights that changed since."""
    from dvst.codec.checkpoint import read
    from dvst.train.checkpoint import save_training

    src, run_dir = Path(src), Path(run_dir)
    st = from_mapping(CampaignState, load_yaml(src / "state.yaml"), where=str(src / "state.yaml"))
    weights = (src / st.weights).resolve()
    if not weights.is_file():
        raise DvstError(f"campaign weights not found: {weights}")
    if _sha256(weights) != st.weights_sha256:
        raise DvstError(f"{weights} is not the file the campaign in {src} recorded (its sha256 differs)")
    model = {k: v.float() if v.is_floating_point() else v for k, v in read(weights)["state_dict"].items()}
    run_dir.mkdir(parents=True, exist_ok=True)
    save_training(run_dir / "last.pt", {"model": model, "optimizer": {}, "stage": st.stage, "step": st.step,
                                        "global_step": st.global_step, "config": config,
                                        "rng": [0, 0, st.global_step], "elapsed_s": st.elapsed_s})
    for name in LOGS:
        if (src / name).is_file():
            shutil.copyfile(src / name, run_dir / name)
    return st

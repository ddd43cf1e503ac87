"""Training checkpoints: model, optimizer, stage, step and RNG state in one file.

Written atomically (temporary file, then rename) so a run killed mid-write leaves the last good
checkpoint; read with ``torch.load(weights_only=True)``, and anything unreadable or of the
wrong shape is a one-line :class:`DvstError`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from dvst.errors import DvstError

KEYS = ("model", "optimizer", "stage", "step", "global_step", "config", "rng", "elapsed_s")


def save_training(path: str | os.PathLike, state: dict[str, Any]) -> Path:
    """Write ``state`` (tensors, dicts, lists, numbers, strings only) to ``path`` atomically."""
    missing = [k for k in KEYS if k not in state]
    if missing:
        raise ValueError(f"training checkpoint lacks {missing}")
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(p.name + ".tmp")
    torch.save(state, tmp)
    tmp.replace(p)
    return p


def load_training(path: str | os.PathLike, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Read a checkpoint written by :func:`save_training`; corrupt or foreign files are DvstErrors."""
    p = Path(path)
    if not p.is_file():
        raise DvstError(f"checkpoint not found: {p}")
    try:
        state = torch.load(p, map_location=map_location, weights_only=True)
    except Exception as e:  # torch raises many types for a damaged file
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise DvstError(f"corrupt checkpoint {p}: {first[:160]}") from None
    if not isinstance(state, dict) or any(k not in state for k in KEYS):
        raise DvstError(f"{p} is not a DVST training checkpoint")
    return state


def slim(src: str | os.PathLike, dest: str | os.PathLike) -> Path:
    """A copy of a training checkpoint without optimizer state and with float16 weights.

    For carrying a run between machines under a size limit: resuming from it restarts Adam's
    moment estimates (the weights lose nothing that matters at fp16 precision for training).
    """
    state = load_training(src)
    state["model"] = {k: v.half() if v.is_floating_point() else v for k, v in state["model"].items()}
    state["optimizer"] = {}
    return save_training(dest, state)

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
    if not isinstance(state["model"], dict):
        raise DvstError(f"training checkpoint {p.name}: its weights are not a mapping")
    from dvst.codec.checkpoint import check_state_dict

    check_state_dict(state["model"], f"training checkpoint {p.name}")
    return state


def slim(src: str | os.PathLike, dest: str | os.PathLike) -> Path:
    """A copy of a training checkpoint without optimizer state and with float16 weights.

    For carrying a run between machines under a size limit: resuming from it restarts Adam's
    moment estimates (the weights lose nothing that matters at fp16 precision for training).
    """
    state = load_training(src)
    state["model"] = _half(state["model"])
    state["optimizer"] = {}
    return save_training(dest, state)


def _half(model: dict) -> dict:
    """The floating-point tensors of a state dict in float16, the rest as they are."""
    return {k: v.half() if v.is_floating_point() else v for k, v in model.items()}


def split_slim(src: str | os.PathLike, dest_prefix: str | os.PathLike, max_bytes: float = 15e6) -> list[Path]:
    """A slim copy of a training checkpoint (see :func:`slim`) in shards of at most about
    ``max_bytes`` each, ``PREFIX.0.pt``, ``PREFIX.1.pt`` …, for a transfer with a per-file limit.
    Every shard is a training checkpoint holding part of the weights; :func:`join_slim` joins them."""
    state = load_training(src)
    model = _half(state["model"])
    shards: list[dict] = [{}]
    size = 0
    for k, v in model.items():
        n = v.numel() * v.element_size()
        if shards[-1] and size + n > max_bytes:
            shards.append({})
            size = 0
        shards[-1][k] = v
        size += n
    prefix = Path(dest_prefix)
    out = []
    for i, part in enumerate(shards):
        out.append(save_training(prefix.with_name(f"{prefix.name}.{i}.pt"),
                                 {**state, "model": part, "optimizer": {}, "shard": [i, len(shards)]}))
    return out


def join_slim(paths: list[str | os.PathLike], dest: str | os.PathLike) -> Path:
    """The shards of :func:`split_slim` joined into one slim training checkpoint at ``dest``."""
    states = [load_training(p) for p in paths]
    n = {tuple(s.get("shard", (0, 1)))[1] for s in states}
    got = sorted(int(s.get("shard", (0, 1))[0]) for s in states)
    if len(n) != 1 or got != list(range(n.pop())):
        raise DvstError(f"not a complete set of checkpoint shards: {[str(p) for p in paths]}")
    model: dict = {}
    for s in states:
        model.update(s["model"])
    head = {k: v for k, v in states[0].items() if k != "shard"}
    return save_training(dest, {**head, "model": model, "optimizer": {}})

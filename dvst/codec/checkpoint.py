"""Saving and loading DVST weights together with the configuration they belong to."""

from __future__ import annotations

import os
import pickle
import zipfile
from pathlib import Path

import torch

from dvst.codec.model_config import ModelConfig, config_from_mapping
from dvst.errors import DvstError
from foundation.yaml_config import to_mapping

FORMAT = "dvst-codec-1"


def save(path: str | os.PathLike, model, **extra) -> None:
    """Write {format, config, state_dict, extra} with torch.save (tensors and plain data only)."""
    p = Path(path)
    blob = {"format": FORMAT, "config": to_mapping(model.config), "state_dict": model.state_dict(),
            "extra": extra}
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_name(p.name + ".tmp")
        torch.save(blob, tmp)
        tmp.replace(p)
    except OSError as e:
        raise DvstError(f"cannot write checkpoint {p}: {e}") from None


def read(path: str | os.PathLike) -> dict:
    """The raw checkpoint dict, loaded with ``weights_only=True``; unreadable files are DvstErrors."""
    p = Path(path)
    if not p.is_file():
        raise DvstError(f"checkpoint not found: {p}")
    try:
        blob = torch.load(p, map_location="cpu", weights_only=True)
    except (RuntimeError, pickle.UnpicklingError, zipfile.BadZipFile, EOFError, ValueError, OSError) as e:
        # torch's own message advises weights_only=False, which is unsafe for a file of unknown origin
        raise DvstError(f"checkpoint {p} is corrupt or not a DVST checkpoint ({type(e).__name__})") from None
    if not isinstance(blob, dict) or blob.get("format") != FORMAT:
        raise DvstError(f"{p} is not a DVST codec checkpoint")
    for key, kind in (("config", dict), ("state_dict", dict)):
        if not isinstance(blob.get(key), kind):
            what = "missing" if key not in blob else f"a {type(blob[key]).__name__}, not a mapping"
            raise DvstError(f"checkpoint {p.name}: its {key!r} is {what}")
    check_state_dict(blob["state_dict"], f"checkpoint {p.name}")
    return blob


def check_state_dict(state: dict, where: str) -> None:
    """A DvstError naming the first entry of ``state`` that is not a tensor, or the first
    floating-point tensor holding NaN or infinity (weights that would load and decode garbage)."""
    for k, v in state.items():
        if not isinstance(k, str) or not isinstance(v, torch.Tensor):
            raise DvstError(f"{where}: entry {str(k)[:80]!r} is not a tensor")
        if v.is_floating_point() and not bool(torch.isfinite(v).all()):
            raise DvstError(f"{where}: tensor {k} holds NaN or infinite values")


def load(path: str | os.PathLike, config: ModelConfig | None = None):
    """A DVSTModel with the checkpoint's weights (eval mode).

    config: when given, it must equal the checkpoint's configuration (else a DvstError that
    names the first differing key); when None, the checkpoint's own configuration is used.
    """
    from dvst.codec.video import DVSTModel

    p = Path(path)
    blob = read(p)
    saved = config_from_mapping(blob["config"])
    if config is not None and config != saved:
        a, b = to_mapping(config), to_mapping(saved)
        key = next(k for k in a if a[k] != b.get(k))
        raise DvstError(f"checkpoint {p.name} does not match the model config: {key} is {b.get(key)!r} "
                        f"in the checkpoint, {a[key]!r} in the config")
    model = DVSTModel(saved)
    state = blob["state_dict"]
    own = model.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    bad = [k for k in own if k in state and own[k].shape != state[k].shape]
    if missing or unexpected or bad:
        what = (f"missing {missing[0]}" if missing else f"unexpected {unexpected[0]}" if unexpected
                else f"shape of {bad[0]}")
        raise DvstError(f"checkpoint {p.name} does not fit its configuration ({what})")
    model.load_state_dict(state)
    return model.eval()

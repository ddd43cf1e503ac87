"""One model resolver for every command: train ``--init``, eval, loopback, tx/rx, the benches.

A model is named by one of, tried in this order:

- a checkpoint file (an existing path; ``.pt``/``.pth`` must exist), e.g. ``runs/NAME/model.pt``;
- a zoo name (``dvst/zoo/models.yaml``), set to that rung's η;
- a model configuration (``small``, ``paper``, or a YAML path): an untrained model whose weights
  are drawn from ``seed``, for tests and timing only;
- nothing: the zoo's default model (the untrained ``small`` one, with a warning, when no
  weights are shipped).

With a target payload CBR the zoo picks the η (and, for no name, the model) that meets it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from dvst.errors import DvstError

log = logging.getLogger(__name__)


@dataclass
class ResolvedModel:
    """A loaded model (eval mode, CPU) and what it was resolved as: ``name`` (zoo name, file
    stem, or "CONFIG (untrained, seed N)"), ``eta`` (the bandwidth scale a target CBR asks for;
    None: the model's own)."""

    model: object
    name: str
    eta: float | None = None


def _is_model_config(spec: str) -> bool:
    from dvst.codec.model_config import SHIPPED

    return Path(spec).suffix in (".yaml", ".yml") or SHIPPED.joinpath(f"{spec}.yaml").is_file()


def _checkpoint_path(spec: str) -> Path | None:
    p = Path(spec)
    if p.suffix in (".pt", ".pth"):
        if not p.is_file():
            raise DvstError(f"model checkpoint not found: {spec}")
        return p
    return p if p.is_file() and p.suffix not in (".yaml", ".yml") else None


def resolve_model(spec: str | None = None, cbr: float | None = None, seed: int = 0,
                  channel: str = "awgn") -> ResolvedModel:
    """The model ``spec`` names (see the module docstring); ``cbr``: a target payload CBR that
    a zoo model must meet (the zoo picks η, and the model when ``spec`` is None, among those
    trained for ``channel``)."""
    import torch

    from dvst import zoo

    reg = zoo.read_registry()   # read models.yaml once
    shipped = reg.names()
    eta = None
    if cbr is not None:
        if not shipped:
            raise DvstError("a target CBR needs a shipped model (dvst/zoo); none is installed")
        if spec is None:
            entry, eta = zoo.pick_for_cbr(cbr, channel=channel)
            spec = entry.name
        elif spec in shipped:
            eta = zoo.eta_for_cbr(reg.entry(spec), cbr)
            if eta is None:
                raise DvstError(f"model {spec} cannot reach CBR {cbr:g}")
        else:
            raise DvstError(f"a target CBR tunes a shipped model ({', '.join(shipped)}); {spec!r} is not one")
    path = _checkpoint_path(spec) if spec is not None else None
    if path is not None:
        from dvst.codec.checkpoint import load

        return ResolvedModel(load(path).eval(), path.stem, eta)
    if spec in shipped or (spec is None and shipped):
        name = spec or reg.default_name()
        entry = reg.entry(name)
        if not entry.path.is_file():
            raise DvstError(f"weights of model {entry.name} are missing: {entry.path}")
        from dvst.codec.checkpoint import load

        model = load(entry.path).eval()
        model.set_eta(entry.eta)
        return ResolvedModel(model, name, eta)
    if spec is None or _is_model_config(spec):
        from dvst.codec import DVSTModel, load_model_config

        cfg = load_model_config(spec or "small")
        if spec is None:
            log.warning("no shipped model weights yet; using the untrained 'small' model")
        with torch.random.fork_rng():   # seeded weights without touching the caller's RNG
            torch.manual_seed(seed)
            model = DVSTModel(cfg)
        return ResolvedModel(model.eval(), f"{cfg.name} (untrained, seed {seed})", eta)
    raise DvstError(f"unknown model {spec!r}: not a shipped model ({', '.join(shipped) or 'none'}), "
                    f"a checkpoint file or a model config (small, paper)")

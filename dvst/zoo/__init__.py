"""The model zoo: pretrained DVST models shipped inside the package, loaded by name.

``dvst/zoo/models.yaml`` lists every model: its weights file under ``dvst/zoo/weights/``, model
size, distortion metric, λ, channel and SNR range it was trained for, how it was trained, and
figures measured on the validation clips (``docs/training.md``): PSNR, MS-SSIM and payload CBR
at 10 dB AWGN; the payload CBR and PSNR the model reaches at several bandwidth scales η (its RD
curve), which :func:`pick_for_cbr` interpolates to meet a target CBR; PSNR from 0 to 20 dB.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from dvst.errors import DvstError
from foundation.yaml_config import from_mapping, load_yaml

ZOO_DIR = resources.files("dvst.zoo")        # a package resource: any install layout
REGISTRY = ZOO_DIR.joinpath("models.yaml")


@dataclass
class Measured:
    """Figures measured on the validation clips (GOP 4, seeded channel)."""

    snr_db: float = 10.0
    psnr_db: float = 0.0
    msssim_db: float = 0.0
    payload_cbr: float = 0.0
    clips: list[str] = field(default_factory=list)


@dataclass
class ZooEntry:
    """One shipped model (a row of models.yaml)."""

    name: str
    weights: str
    config: str = "small"
    metric: str = "mse"
    lmbda: float = 0.0
    channel: str = "awgn"
    snr_db: list[float] = field(default_factory=lambda: [0.0, 20.0])
    eta: float = 0.2                                   # its bandwidth scale η (a rung of its weights)
    trained: str = ""                                  # recipe, steps, machine, hours
    measured: Measured = field(default_factory=Measured)
    eta_cbr: list[list[float]] = field(default_factory=list)    # [[η, payload CBR at 10 dB], ...]
    eta_psnr: list[list[float]] = field(default_factory=list)   # [[η, PSNR at 10 dB], ...]
    psnr_vs_snr: list[list[float]] = field(default_factory=list)  # [[snr_db, psnr_db], ...]

    @property
    def path(self) -> Path:
        return Path(ZOO_DIR.joinpath("weights", self.weights))


@dataclass
class Registry:
    """models.yaml: the default model's name and every entry."""

    default: str = ""
    models: list[ZooEntry] = field(default_factory=list)

    def names(self) -> list[str]:
        return [e.name for e in self.models]

    def default_name(self) -> str:
        """The PSNR model a user would pick first (``default``, else the first entry)."""
        if not self.models:
            raise DvstError("no pretrained models are shipped in dvst/zoo; train one with `dvst train`")
        return self.default or self.models[0].name

    def entry(self, name: str) -> ZooEntry:
        for e in self.models:
            if e.name == name:
                return e
        raise DvstError(f"unknown model {name!r}; shipped models: {', '.join(self.names()) or 'none'}")


def read_registry() -> Registry:
    if not REGISTRY.is_file():
        return Registry()
    reg = from_mapping(Registry, load_yaml(REGISTRY), where="dvst/zoo/models.yaml")
    return reg


def list_models() -> list[ZooEntry]:
    """Every shipped model, in the order of models.yaml."""
    return list(read_registry().models)


def default_name() -> str:
    """The PSNR model a user would pick first (models.yaml ``default``)."""
    return read_registry().default_name()


def get_entry(name: str) -> ZooEntry:
    return read_registry().entry(name)


def load_model(name: str | None = None):
    """A model by name (None: the default), in eval mode, on the CPU, set to its η: a zoo
    name, a checkpoint file or a model config, as :func:`dvst.zoo.resolve.resolve_model`
    resolves it (the one resolver every command uses).

    Several entries may share one weights file at different η: the rungs of a ladder of one
    variable-rate model.
    """
    from dvst.zoo.resolve import resolve_model

    return resolve_model(name).model


def eta_for_cbr(entry: ZooEntry, target: float) -> float | None:
    """The η at which ``entry`` reaches payload CBR ``target`` (log–log interpolation of its
    measured η→CBR table), or None if the target is outside what the table covers."""
    pts = sorted((c, e) for e, c in entry.eta_cbr if c > 0 and e > 0)
    if len(pts) < 2 or not pts[0][0] <= target <= pts[-1][0]:
        return None
    for (c0, e0), (c1, e1) in zip(pts, pts[1:]):
        if c0 <= target <= c1:
            if c1 == c0:
                return e0
            a = (math.log(target) - math.log(c0)) / (math.log(c1) - math.log(c0))
            return math.exp(math.log(e0) + a * (math.log(e1) - math.log(e0)))
    return None


def nearest_for_cbr(entries, target: float):
    """Among ``entries`` whose η→CBR range covers ``target``, the one whose own operating point
    is closest to it in log-CBR, with the η that reaches it: (entry, eta), or None."""
    best = None
    for e in entries:
        eta = eta_for_cbr(e, target)
        if eta is None:
            continue
        score = abs(math.log(target / e.measured.payload_cbr)) if e.measured.payload_cbr > 0 else math.inf
        if best is None or score < best[0]:
            best = (score, e, eta)
    return None if best is None else best[1:]


def pick_for_cbr(target: float, metric: str = "mse", channel: str = "awgn"):
    """The shipped model and η that meet payload CBR ``target`` (at 10 dB, validation clips).

    Among the models of ``metric`` whose measured η→CBR range covers the target, the one whose
    own operating point (the η it was trained with) is closest to the target in log-CBR wins:
    a model is at its best near the rate it was trained for. Returns (entry, eta).
    """
    if not target > 0:
        raise DvstError(f"target CBR must be > 0, got {target}")
    best = nearest_for_cbr([e for e in list_models() if e.metric == metric and e.channel == channel], target)
    if best is None:
        spans = [f"{e.name}: {min(c for _, c in e.eta_cbr):.4f}–{max(c for _, c in e.eta_cbr):.4f}"
                 for e in list_models() if e.metric == metric and e.channel == channel and e.eta_cbr]
        raise DvstError(f"no shipped {metric} model reaches CBR {target:g} on {channel}; "
                        f"reachable: {'; '.join(spans) or 'none'}")
    return best

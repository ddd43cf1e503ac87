"""Publishing a finished training run into the zoo: copy its weights, measure them, update
dvst/zoo/models.yaml (`dvst models --add`).

Weights are stored in float16 (half the size; loaded into float32 models). The figures come from
:func:`dvst.eval.codec_sim.evaluate` on the run's validation clips (never
seen in training), GOP 4, seeded channel: quality and payload CBR at 10 dB, CBR and PSNR at several
bandwidth scales η (for :func:`dvst.zoo.pick_for_cbr`), and PSNR from 0 to 20 dB; the side
information counted at the MCS a link configured for each SNR sends it with (``radio.side_mcs``).
``dvst models --remeasure NAME`` measures a shipped model again when that counting changes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dvst.errors import DvstError
from dvst.zoo import REGISTRY, ZOO_DIR, Measured, ZooEntry, read_registry
from foundation.yaml_config import load_yaml, to_mapping

ETA_FACTORS = (0.25, 0.5, 1.0, 2.0, 4.0)
SNR_SWEEP = (0.0, 5.0, 10.0, 15.0, 20.0)


def measure(model, clips: list[np.ndarray], snr_db: float = 10.0, eta: float | None = None,
            channel: str = "awgn") -> dict[str, float]:
    """Mean PSNR, MS-SSIM (dB) and payload CBR over ``clips`` (uint8 [T, H, W, 3] each); the side
    information counted at the MCS a link configured for ``snr_db`` sends it with."""
    from dvst.codec.sideinfo import SideCount
    from dvst.eval.codec_sim import evaluate
    from radio.side_mcs import choose_side_mcs

    mcs = choose_side_mcs(snr_db)
    count = SideCount.of(mcs)
    res = [evaluate(c, model, snr_db, channel=channel, gop=4, eta=eta, seed=0, side_count=count) for c in clips]
    return {k: float(np.mean([r[k] for r in res])) for k in ("psnr_db", "msssim_db", "payload_cbr")}


def _measure_into(entry: ZooEntry, model, clips: list[np.ndarray], clip_names: list[str]) -> None:
    """Fill ``entry``'s figures: at its η and 10 dB, over η × ETA_FACTORS, over SNR_SWEEP."""
    model.set_eta(entry.eta)
    nominal = measure(model, clips, 10.0, None, entry.channel)
    entry.eta_cbr, entry.eta_psnr = [], []
    for f in ETA_FACTORS:
        m = nominal if f == 1.0 else measure(model, clips, 10.0, entry.eta * f, entry.channel)
        entry.eta_cbr.append([entry.eta * f, m["payload_cbr"]])
        entry.eta_psnr.append([entry.eta * f, m["psnr_db"]])
    entry.psnr_vs_snr = [[s, measure(model, clips, s, None, entry.channel)["psnr_db"]] if s != 10.0
                         else [s, nominal["psnr_db"]] for s in SNR_SWEEP]
    entry.measured = Measured(snr_db=10.0, clips=clip_names, **nominal)


def _write_entry(entry: ZooEntry, default: bool = False) -> None:
    """Put ``entry`` into models.yaml in place of any entry of its name."""
    import yaml

    reg = read_registry()
    reg.models = [entry if e.name == entry.name else e for e in reg.models]
    if entry not in reg.models:
        reg.models.append(entry)
    if default or not reg.default:
        reg.default = entry.name
    header = "# The shipped models; written by `dvst models --add` (figures measured, not typed in).\n"
    REGISTRY.write_text(header + yaml.safe_dump(to_mapping(reg), sort_keys=False))


def remeasure_model(name: str, data_root: str = "../shared/data") -> ZooEntry:
    """Measure a shipped model again from its own weights (after a change in how figures are
    counted), on the clips its entry names (``clips/NAME`` under ``data_root``); models.yaml is
    rewritten, the weights are not touched."""
    from dvst.train.data import DataConfig, load_validation
    from dvst.zoo import get_entry, load_model

    entry = get_entry(name)
    if not entry.measured.clips:
        raise DvstError(f"{name}: its entry names no clips to measure on")
    data = DataConfig(root=data_root, validation=[f"clips/{c}" for c in entry.measured.clips])
    clips = [c.frames for c in load_validation(data)]
    model = load_model(name).eval()
    _measure_into(entry, model, clips, list(entry.measured.clips))
    _write_entry(entry)
    return entry


def add_model(run_dir: str | Path, name: str, data_root: str | None = None, default: bool = False,
              trained: str = "", progress=None, eta: float | None = None,
              weights_name: str | None = None) -> ZooEntry:
    """Copy ``RUN_DIR/model.pt`` into the zoo as ``NAME`` (float16), measure it, write models.yaml.

    eta: the rung's bandwidth scale (None: the model's own); weights_name: the file under
    ``weights/`` (default ``NAME.pt``); rungs of one variable-rate model share one file.
    """
    from dvst.codec.checkpoint import load, save
    from dvst.train.data import load_validation
    from dvst.train.recipe import TrainConfig
    from foundation.yaml_config import from_mapping

    run_dir = Path(run_dir)
    weights = run_dir / "model.pt"
    if not weights.is_file():
        raise DvstError(f"{weights} not found: the run has not finished")
    cfg = from_mapping(TrainConfig, load_yaml(run_dir / "config.yaml"), where="config.yaml")
    if data_root:
        cfg.data.root = data_root
    clips = [c.frames for c in load_validation(cfg.data)]
    if not clips:
        raise DvstError(f"{run_dir}: the run's config names no validation clips to measure on")
    if not isinstance(ZOO_DIR, Path):
        raise DvstError("the zoo is not a folder on disk (a zipped install): add models from a source checkout")
    (ZOO_DIR / "weights").mkdir(exist_ok=True)
    weights_name = weights_name or f"{name}.pt"
    path = ZOO_DIR / "weights" / weights_name
    save(path, load(weights).half())          # float16 on disk: the zoo stays within 30 MB
    model = load(path).eval()                 # measure exactly what ships (fp16 weights, fp32 maths)
    entry = ZooEntry(name=name, weights=weights_name, config=cfg.model, metric=cfg.metric, lmbda=cfg.lmbda,
                     channel=cfg.channel, snr_db=list(cfg.snr_db),
                     eta=float(model.config.eta if eta is None else eta), trained=trained)
    _measure_into(entry, model, clips, [Path(v).name for v in cfg.data.validation])
    _write_entry(entry, default)
    total = sum(p.stat().st_size for p in (ZOO_DIR / "weights").glob("*.pt"))
    if total > 30e6:
        raise DvstError(f"zoo weights total {total / 1e6:.1f} MB, over the 30 MB budget")
    return entry

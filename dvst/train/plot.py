"""Training curves: PSNR and CBR of each logged step of one or more runs, as a PNG."""

from __future__ import annotations

import csv
from pathlib import Path

from dvst.errors import DvstError


def read_log(path: str | Path) -> list[dict[str, str]]:
    """The rows of a run's ``train.csv``."""
    p = Path(path)
    if p.is_dir():
        p = p / "train.csv"
    if not p.is_file():
        raise DvstError(f"training log not found: {p}")
    with p.open(newline="") as f:
        return list(csv.DictReader(f))


def read_validation(run_dir: str | Path) -> list[dict[str, str]]:
    """The rows of a run's ``val.csv`` (none if it has no validation log)."""
    p = Path(run_dir) / "val.csv"
    if not p.is_file():
        return []
    with p.open(newline="") as f:
        return list(csv.DictReader(f))


def plot_runs(run_dirs: list[str | Path], out_png: str | Path) -> Path:
    """Plot training PSNR (main reconstruction of each stage) and CBR over global steps, with
    the validation points (held-out clips, GOP 4; held-out photographs, I-frames) where the
    runs logged them.

    Stage boundaries of the first run are drawn as dotted lines with the stage's name.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a1, a2) = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
    for k, d in enumerate(run_dirs):
        rows = read_log(d)
        step = [int(r["global_step"]) for r in rows]
        a1.plot(step, [float(r["psnr_db"]) for r in rows], lw=1, label=Path(d).name)
        a2.plot(step, [float(r["cbr"]) for r in rows], lw=1, label=Path(d).name)
        val = read_validation(d)
        for key, cbr_key, mark, what in (("psnr_db", "payload_cbr", "o", "val. clips"),
                                         ("photo_psnr_db", "photo_cbr", "s", "val. photos")):
            pts = [(int(r["global_step"]), float(r[key]), float(r[cbr_key])) for r in val if r.get(key)]
            if pts:
                xs, ps, cs = zip(*pts)
                a1.plot(xs, ps, mark + "--", ms=4, lw=0.8, label=f"{Path(d).name} {what} (10 dB)")
                a2.plot(xs, cs, mark, ms=4)
        if k == 0:
            prev = None
            for r, s in zip(rows, step):
                if r["stage"] != prev:
                    for ax in (a1, a2):
                        ax.axvline(s, color="0.7", ls=":", lw=0.8)
                    a1.text(s, 1.0, r["stage"], rotation=90, va="top", ha="left", fontsize=7,
                            transform=a1.get_xaxis_transform())
                    prev = r["stage"]
    a1.set_ylabel("training PSNR (dB)")
    a2.set_ylabel("CBR (symbols / value)")
    a2.set_xlabel("global step")
    a1.legend(fontsize=8, loc="lower right")
    a1.grid(alpha=0.3)
    a2.grid(alpha=0.3)
    fig.tight_layout()
    out = Path(out_png)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out

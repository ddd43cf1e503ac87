"""``dvst bench rd``: rate–distortion and robustness figures of every scheme on the same clips.

For each INPUT (a video file, a PNG folder, ``.yuv`` with ``--size``, or ``demo``):

- **rd** — PSNR and MS-SSIM (dB) versus payload CBR at ``--snr`` on ``--channel`` (paper
  Fig. 6–7); the separation curves are envelopes over QP × LDPC code × QAM order.
- **snr** — PSNR/MS-SSIM versus SNR at a fixed CBR ``--cbr`` on AWGN (Fig. 8): the
  separation chain is designed for ``--snr`` (the best rate × code × QAM that fits the CBR and
  loses nothing there) and then meets other SNRs — its cliff; "+ Capacity" re-picks its rate
  at each SNR (the ideal bound); DVST models keep the SNR range they were trained on
  (mismatched train/test SNR).
- **rayleigh** — the same on fast Rayleigh fading (Fig. 9).
- **gop** — per-frame CBR and PSNR over the first GOPs at ``--snr`` and ``--cbr`` (Fig. 10).
- **BD-rate** of each scheme against H.264 + LDPC per input (Fig. 11), ``bjontegaard``
  package, akima interpolation on the PSNR envelopes.

Writes ``--json FILE`` (per input and scheme: ``points`` with ``cbr``, ``psnr_db``,
``msssim_db``, ``snr_db``, and ``bd_rate_vs_h264_ldpc``), PNG plots and ``rd_table.md`` into
``--plot DIR``, and prints the table.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from dvst.console import add_json_flag, progress, write_json
from dvst.errors import DvstError
from foundation.errors import ProjectError

FIGURES = ("rd", "snr", "rayleigh", "gop")


def _floats(text: str, what: str) -> list[float]:
    try:
        vals = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise DvstError(f"{what} must be a comma-separated list of numbers, got {text!r}") from None
    if not vals or not all(math.isfinite(v) for v in vals):
        raise DvstError(f"{what} must be a non-empty list of finite numbers, got {text!r}")
    return vals


def register(sub) -> None:
    p = sub.add_parser("rd", help="RD curves, SNR robustness and BD-rate of DVST and the baselines",
                       description=__doc__.split("\n\n")[0])
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="video file, PNG folder, .yuv, or demo")
    p.add_argument("--snr", type=float, default=10.0, help="SNR in dB (Es/N0) of the RD curves and the design "
                   "point of the digital chain (default 10)")
    p.add_argument("--channel", default="awgn", choices=("awgn", "rayleigh"), help="channel of the RD curves")
    p.add_argument("--schemes", default="h264-ldpc,h265-ldpc,h264-capacity,h265-capacity,softcast,dvst",
                   help="comma-separated: h264-ldpc, h265-ldpc, h264-capacity, h265-capacity, softcast, dvst, "
                        "dvst:MODEL (one zoo model, e.g. an ablation)")
    p.add_argument("--figures", default=",".join(FIGURES), help=f"which figures: {', '.join(FIGURES)}")
    p.add_argument("--cbr", type=float, default=0.03, help="fixed payload CBR of the snr/rayleigh/gop figures")
    p.add_argument("--snr-sweep", default="-2,0,2,4,6,8,10,12,14,16", help="SNRs (dB) of the snr/rayleigh figures")
    p.add_argument("--rates", default="22,27,32,37,42,47", help="QP (or CRF) values of the H.264/H.265 sweep")
    p.add_argument("--rate-control", default="qp", choices=("qp", "crf"))
    p.add_argument("--mcs", default="all", help="code×QAM pairs of the separation envelope, e.g. "
                   "6144_4096_qam16,6144_2048_qam4 (default all nine)")
    p.add_argument("--softcast-cbr", default="0.01,0.02,0.03,0.05,0.08,0.12", help="SoftCast target CBRs")
    p.add_argument("--frames", type=int, default=60, help="frames per input (default 60)")
    p.add_argument("--size", help="WxH for raw .yuv inputs (and the demo clip)")
    p.add_argument("--gop", type=int, default=4, help="GOP length of every scheme (default 4, as the paper)")
    p.add_argument("--seed", type=int, default=0, help="channel noise seed")
    p.add_argument("--plot", metavar="DIR", help="write PNG figures and rd_table.md here")
    add_json_flag(p)
    p.set_defaults(func=run)


def cli(argv: list[str]) -> int:
    """``dvst bench rd ARGV`` from Python, with the CLI's handling of DvstError (one line on
    stderr, status 2) — independent of the other benchmark modules."""
    parser = argparse.ArgumentParser(prog="dvst bench")
    register(parser.add_subparsers())
    args = parser.parse_args(["rd", *argv])
    try:
        return int(args.func(args) or 0)
    except ProjectError as e:
        print(f"dvst: error: {e}", file=sys.stderr)
        return 2


def run(args: argparse.Namespace) -> int:
    import torch

    from baselines import separation
    from baselines.sweep import ClipBench
    from dvst.bench.schemes import RDContext, get_schemes
    from dvst.io.video import read_frames

    torch.set_num_threads(1)  # MS-SSIM on small frames: threads only contend on a shared CPU
    schemes = get_schemes([s.strip() for s in args.schemes.split(",") if s.strip()])
    figures = [f.strip() for f in args.figures.split(",") if f.strip()]
    for f in figures:
        if f not in FIGURES:
            raise DvstError(f"unknown figure {f!r}; choose from {', '.join(FIGURES)}")
    if not (args.cbr > 0 and math.isfinite(args.cbr)):
        raise DvstError(f"--cbr must be positive, got {args.cbr}")
    if args.frames < 1 or args.gop < 1:
        raise DvstError("--frames and --gop must be ≥ 1")
    if not math.isfinite(args.snr):
        raise DvstError(f"--snr must be finite, got {args.snr}")
    rates = _floats(args.rates, "--rates")
    rates = [int(r) for r in rates] if args.rate_control == "qp" else rates
    mcs = separation.ALL_MCS if args.mcs == "all" else [separation.parse_mcs(m.strip()) for m in args.mcs.split(",")]
    sc_cbrs = _floats(args.softcast_cbr, "--softcast-cbr")
    snr_sweep = _floats(args.snr_sweep, "--snr-sweep")
    if "gop" in figures and args.snr not in snr_sweep:  # the per-frame figure is read off the sweep
        snr_sweep = sorted([*snr_sweep, args.snr])
    ctx = RDContext(args.snr, args.channel, args.cbr, args.rate_control, sc_cbrs)
    notices = ctx.notices

    # a scheme that cannot run here (a DVST model without weights) → one-line notice, never a
    # made-up curve
    kept = []
    for s in schemes:
        why = s.missing()
        if why:
            notices.append(f"{s.name} skipped: {why}")
            print(f"dvst bench rd: {notices[-1]}", file=sys.stderr)
        else:
            kept.append(s)
    schemes = kept
    already_printed = len(notices)

    report = {"snr_db": args.snr, "channel": args.channel, "fixed_cbr": args.cbr, "gop": args.gop,
              "rate_control": args.rate_control, "rates": rates, "mcs": [m.key for m in mcs],
              "snr_sweep": snr_sweep, "seed": args.seed, "notices": notices, "inputs": {}}
    for inp in args.inputs:
        frames = read_frames(inp, args.size, args.frames)
        name = Path(str(inp)).name or str(inp)
        if name in report["inputs"]:  # two inputs with one file name: keep both
            name = f"{name}#{len(report['inputs'])}"
        bench = ClipBench(frames, gop=args.gop, rates=rates, rate_control=args.rate_control, mcs=mcs, seed=args.seed)
        n_fixed = len(snr_sweep) * sum(f in figures for f in ("snr", "rayleigh"))
        total = sum(("rd" in figures) * s.rd_runs(len(rates), len(mcs), len(sc_cbrs)) + n_fixed for s in schemes)
        with progress(total=total, desc=name, unit="run") as bar:
            report["inputs"][name] = _one_input(bench, schemes, figures, ctx, snr_sweep, bar)
        report["inputs"][name].update({"frames": int(frames.shape[0]),
                                       "size": [int(frames.shape[2]), int(frames.shape[1])]})
    table = markdown_table(report)
    print(table)
    if args.plot:
        out = Path(args.plot)
        try:
            out.mkdir(parents=True, exist_ok=True)
            (out / "rd_table.md").write_text(table + "\n", encoding="utf-8")
        except OSError as e:
            raise DvstError(f"cannot write to {out}: {e}") from None
        plot_all(report, out)
    write_json(args.json, report)
    for n in notices[already_printed:]:
        print(f"note: {n}", file=sys.stderr)
    return 0


def _one_input(bench, schemes, figures, ctx, snr_sweep, bar) -> dict:
    from baselines.sweep import Point, bd_rate
    from dvst.bench.schemes import ANCHOR

    res: dict = {"schemes": {}}
    for s in schemes:
        entry: dict = {"label": s.label}
        if "rd" in figures:
            entry.update(s.rd(bench, ctx, bar.update))
        for fig, ch in (("snr", "awgn"), ("rayleigh", "rayleigh")):
            if fig not in figures:
                continue
            done = bar.n
            curve = s.at_cbr(bench, ctx, ch, snr_sweep, bar.update)
            bar.update(max(0, done + len(snr_sweep) - bar.n))  # curves that could not be made
            if curve.envelope is not None:
                entry.setdefault("envelope", {})[fig] = [p.as_json() for p in curve.envelope]
            entry[fig] = {"how": curve.how, "points": [p.as_json() for p in curve.points]}
            if fig == "snr" and "gop" in figures:
                at = [p for p in curve.points if p.snr_db == ctx.snr_db]
                if at:
                    entry["gop"] = {"snr_db": ctx.snr_db, "cbr": ctx.cbr, "frame_cbr": at[0].frame_cbr,
                                    "frame_psnr_db": at[0].frame_psnr_db}
        res["schemes"][s.name] = entry
    if "rd" in figures:
        anchor = res["schemes"].get(ANCHOR, {}).get("points")
        for entry in res["schemes"].values():
            if anchor is None:
                entry["bd_rate_vs_h264_ldpc"] = None
                continue
            a = [Point(**p) for p in anchor]
            t = [Point(**p) for p in entry.get("points", [])]
            entry["bd_rate_vs_h264_ldpc"] = bd_rate(a, t)
            entry["bd_rate_msssim_vs_h264_ldpc"] = bd_rate(a, t, "msssim_db")
        if anchor is None:
            ctx.notices.append("BD-rate needs h264-ldpc among --schemes; not computed")
    return res


def markdown_table(report: dict) -> str:
    """One row per input × scheme: RD points, BD-rate, quality at the fixed CBR."""
    snr, cbr = report["snr_db"], report["fixed_cbr"]
    lines = [f"RD at {snr:g} dB {report['channel'].upper()}, GOP {report['gop']}; fixed-CBR figures at CBR {cbr:g}",
             "",
             "| input | scheme | RD points (CBR → PSNR dB) | BD-rate vs H.264+LDPC | PSNR @ CBR, "
             f"{snr:g} dB AWGN | PSNR @ CBR, lowest/highest sweep SNR (AWGN) | PSNR @ CBR, {snr:g} dB Rayleigh |",
             "|---|---|---|---|---|---|---|"]

    def fmt(x, f="{:.2f}"):
        return "—" if x is None or (isinstance(x, float) and not math.isfinite(x)) else f.format(x)

    for name, inp in report["inputs"].items():
        for e in inp["schemes"].values():
            pts = "; ".join(f"{p['cbr']:.4f}→{p['psnr_db']:.2f}" for p in e.get("points", [])) or "—"
            bd = e.get("bd_rate_vs_h264_ldpc")
            snr_pts = e.get("snr", {}).get("points", [])
            at = next((p["psnr_db"] for p in snr_pts if p["snr_db"] == snr), None)
            ends = f"{fmt(snr_pts[0]['psnr_db'])} / {fmt(snr_pts[-1]['psnr_db'])}" if snr_pts else "—"
            ray = next((p["psnr_db"] for p in e.get("rayleigh", {}).get("points", []) if p["snr_db"] == snr), None)
            lines.append(f"| {name} | {e['label']} | {pts} | {fmt(bd, '{:+.1f} %')} | {fmt(at)} | {ends} "
                         f"| {fmt(ray)} |")
    return "\n".join(lines)


def _style(name: str) -> tuple[str, str, str]:
    """A scheme's (colour, marker, line style), as the registry gives it."""
    from dvst.bench.schemes import get_scheme

    return get_scheme(name).style


def plot_all(report: dict, out: Path) -> None:
    """PNG figures (matplotlib, Agg): rd_, snr_, rayleigh_, gop_<input>.png and bd_rate.png."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for name, inp in report["inputs"].items():
        stem = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
        size = "×".join(str(v) for v in inp["size"])
        for fig_key, xkey, xlabel, title in (
                ("points", "cbr", "payload CBR (complex symbols / source value)",
                 f"{name} ({size}, {inp['frames']} frames), {report['snr_db']:g} dB {report['channel'].upper()}"),
                ("snr", "snr_db", "SNR (dB)", f"{name}, CBR {report['fixed_cbr']:g}, AWGN"),
                ("rayleigh", "snr_db", "SNR (dB)", f"{name}, CBR {report['fixed_cbr']:g}, Rayleigh")):
            curves = {s: (e[fig_key] if fig_key == "points" else e.get(fig_key, {}).get("points"))
                      for s, e in inp["schemes"].items()}
            curves = {s: c for s, c in curves.items() if c}
            if not curves:
                continue
            fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
            for ax, ykey, ylabel in zip(axes, ("psnr_db", "msssim_db"), ("PSNR (dB)", "MS-SSIM (dB)")):
                for s, pts in curves.items():
                    col, mk, ls = _style(s)
                    label = inp["schemes"][s]["label"]
                    env = inp["schemes"][s].get("envelope", {}).get(fig_key)
                    if env:  # per-SNR best configuration, solid; the fixed design dash-dotted (its cliff)
                        ax.plot([p[xkey] for p in env], [p[ykey] for p in env], color=col, ls="-",
                                label=f"{label}, best config per SNR")
                        ls, label = "-.", f"{label}, designed at {report['snr_db']:g} dB"
                    ax.plot([p[xkey] for p in pts], [p[ykey] for p in pts], color=col, marker=mk, ls=ls,
                            label=label)
                ax.set_xlabel(xlabel)
                ax.set_ylabel(ylabel)
                ax.grid(alpha=0.3)
            axes[0].legend(fontsize=8)
            fig.suptitle(title)
            fig.tight_layout()
            prefix = {"points": "rd", "snr": "snr", "rayleigh": "rayleigh"}[fig_key]
            fig.savefig(out / f"{prefix}_{stem}.png", dpi=110)
            plt.close(fig)
        gops = {s: e["gop"] for s, e in inp["schemes"].items() if e.get("gop")}
        if gops:
            n = min(2 * report["gop"], min(len(g["frame_cbr"]) for g in gops.values()))
            fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
            for s, g in gops.items():
                col, mk, ls = _style(s)
                axes[0].plot(range(n), g["frame_cbr"][:n], color=col, marker=mk or ".", ls=ls,
                             label=inp["schemes"][s]["label"])
                axes[1].plot(range(n), g["frame_psnr_db"][:n], color=col, marker=mk or ".", ls=ls)
            for ax, yl in zip(axes, ("payload CBR of the frame", "PSNR (dB)")):
                ax.set_xlabel("frame")
                ax.set_ylabel(yl)
                ax.grid(alpha=0.3)
            axes[0].legend(fontsize=8)
            fig.suptitle(f"{name}: per frame over the first GOPs, CBR {report['fixed_cbr']:g}, "
                         f"{report['snr_db']:g} dB AWGN")
            fig.tight_layout()
            fig.savefig(out / f"gop_{stem}.png", dpi=110)
            plt.close(fig)
    rows = [(n, s, e["label"], e.get("bd_rate_vs_h264_ldpc"), _style(s)[0]) for n, inp in report["inputs"].items()
            for s, e in inp["schemes"].items() if s != "h264-ldpc"]
    rows = [r for r in rows if r[3] is not None and math.isfinite(r[3])]
    if rows:
        names = list(dict.fromkeys(r[0] for r in rows))
        schemes = list(dict.fromkeys(r[1] for r in rows))
        fig, ax = plt.subplots(figsize=(max(5, 1.6 * len(names) * len(schemes) / 2), 4))
        w = 0.8 / len(schemes)
        for j, s in enumerate(schemes):
            xs = [i + j * w for i, n in enumerate(names) for r in rows if r[0] == n and r[1] == s]
            ys = [r[3] for n in names for r in rows if r[0] == n and r[1] == s]
            lab = next(r[2] for r in rows if r[1] == s)
            ax.bar(xs, ys, w, color=next(r[4] for r in rows if r[1] == s), label=lab)
        ax.axhline(0, color="k", lw=0.8)
        ax.set_xticks([i + 0.4 - w / 2 for i in range(len(names))], names)
        ax.set_ylabel("BD-rate vs H.264 + LDPC (%)")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3, axis="y")
        fig.tight_layout()
        fig.savefig(out / "bd_rate.png", dpi=110)
        plt.close(fig)

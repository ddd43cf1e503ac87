"""``dvst bench codec``: size, complexity and CPU speed of the DVST codec configurations.

For each configuration (default ``small`` and ``paper``): parameter count, multiply-accumulates
per pixel (convolutions, linear layers and attention, counted by torch's FlopCounterMode, MAC =
FLOP/2) of I-frame and P-frame encode and decode, and the wall-clock milliseconds of
``VideoEncoder.encode`` and ``VideoDecoder.decode`` per I- and P-frame (median over
``--repeat`` frames of the demo clip at 416×240) with ``--threads`` torch threads. The weights
are a seeded random initialisation unless ``--checkpoint`` names a trained one: speed and MACs
do not depend on the weights except through the per-patch bandwidths, which the random model
sets near the top of V (a slight overestimate of the JSCC cost).

Keys of ``--json``: ``{cfg}_params``, ``{cfg}_{i,p}frame_{encode,decode}_ms``,
``{cfg}_{i,p}frame_{encode,decode}_cpu_ms`` (process CPU time, all threads together: on a
machine shared with other jobs, with ``--threads 1``, the compute time free of waiting for a
core), ``{cfg}_{i,p}frame_{encode,decode}_macs_per_pixel``, ``{cfg}_pframe_cbr``, plus
``threads``, ``size``, ``cpu``, ``load_avg`` (1-minute load average when the run started).
"""

from __future__ import annotations

import os
import time

from dvst.bench import cpu_name
from dvst.console import add_json_flag, print_table, write_json
from dvst.errors import DvstError


def register(sub) -> None:
    p = sub.add_parser("codec", help="parameters, MACs/pixel and CPU speed of the codec configurations",
                       description=__doc__.split("\n\n")[0])
    p.add_argument("--configs", default="small,paper", help="comma-separated model configs (names or YAML)")
    p.add_argument("--checkpoint", help="weights to time instead of a random initialisation (one config)")
    p.add_argument("--size", default="416x240", help="frame size WxH (default 416x240, HEVC class D)")
    p.add_argument("--repeat", type=int, default=10, help="frames timed per measurement (median)")
    p.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2)")
    add_json_flag(p)
    p.set_defaults(func=run)


def _load() -> float | None:
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def _macs(fn) -> float:
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter:
        fn()
    return counter.get_total_flops() / 2


def measure(cfg, model, width: int, height: int, repeat: int) -> dict:
    """Figures of one configuration; see the module docstring for the keys (without prefix)."""
    import numpy as np

    from dvst.codec import VideoDecoder, VideoEncoder
    from dvst.frames import ReceivedFrame
    from dvst.io.demo import demo_frames

    frames = demo_frames(repeat + 2, (width, height), scene_len=repeat + 2)
    rx = lambda e: ReceivedFrame(e.index, e.kind, e.symbols,  # noqa: E731
                                 np.full(e.symbols.size, 0.1, np.float32), e.side_info, 10.0)
    enc, dec = VideoEncoder(model, gop=10 ** 9), VideoDecoder(model)
    out: dict = {"params": sum(p.numel() for p in model.parameters())}
    clock = lambda: (time.perf_counter(), time.process_time())  # noqa: E731
    t = {k: [] for k in ("iframe_encode", "iframe_decode", "pframe_encode", "pframe_decode")}
    # I-frames: encode and decode the first frame again and again
    for _ in range(max(3, repeat // 2)):
        enc.reset()
        dec.reset()
        c0 = clock()
        e = enc.encode(frames[0], 10.0)
        c1 = clock()
        dec.decode(rx(e))
        c2 = clock()
        t["iframe_encode"].append((c1[0] - c0[0], c1[1] - c0[1]))
        t["iframe_decode"].append((c2[0] - c1[0], c2[1] - c1[1]))
    # P-frames: a running GOP (warm-up on the first)
    cbr = []
    for k, f in enumerate(frames[1:]):
        c0 = clock()
        e = enc.encode(f, 10.0)
        c1 = clock()
        dec.decode(rx(e))
        c2 = clock()
        if k:
            t["pframe_encode"].append((c1[0] - c0[0], c1[1] - c0[1]))
            t["pframe_decode"].append((c2[0] - c1[0], c2[1] - c1[1]))
            cbr.append(e.payload_cbr)
    for key, v in t.items():
        v = np.asarray(v[1:] if len(v) > 2 else v)
        out[f"{key}_ms"] = 1e3 * float(np.median(v[:, 0]))
        out[f"{key}_cpu_ms"] = 1e3 * float(np.median(v[:, 1]))
    out["pframe_cbr"] = float(np.mean(cbr))
    # MACs per pixel, counted on the same calls
    n_pix = width * height
    enc.reset()
    dec.reset()
    for kind, frame in (("iframe", frames[0]), ("pframe", frames[1])):
        coded = []
        out[f"{kind}_encode_macs_per_pixel"] = _macs(lambda c=coded, f=frame: c.append(enc.encode(f, 10.0))) / n_pix
        out[f"{kind}_decode_macs_per_pixel"] = _macs(lambda c=coded: dec.decode(rx(c[0]))) / n_pix
    return out


def run(args) -> int:
    import torch

    from dvst.codec import DVSTModel, checkpoint, load_model_config
    from dvst.io.video import parse_size

    if args.repeat < 2:
        raise DvstError("--repeat must be ≥ 2")
    if args.threads < 1:
        raise DvstError("--threads must be ≥ 1")
    width, height = parse_size(args.size)
    names = [n.strip() for n in args.configs.split(",") if n.strip()]
    if args.checkpoint and len(names) != 1:
        raise DvstError("--checkpoint needs exactly one --configs entry")
    torch.set_num_threads(args.threads)
    torch.set_flush_denormal(True)
    figures: dict = {"threads": args.threads, "size": f"{width}x{height}", "cpu": cpu_name(),
                     "torch": torch.__version__, "load_avg": _load()}
    rows = []
    for name in names:
        cfg = load_model_config(name)
        if args.checkpoint:
            model = checkpoint.load(args.checkpoint, cfg)
        else:
            torch.manual_seed(0)
            model = DVSTModel(cfg)
        res = measure(cfg, model, width, height, args.repeat)
        for k, v in res.items():
            figures[f"{cfg.name}_{k}"] = v
            rows.append((f"{cfg.name} {k}", v))
    print_table(rows, title=f"codec on {figures['cpu']}, {args.threads} threads, {width}x{height}")
    write_json(args.json, figures)
    return 0

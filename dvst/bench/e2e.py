"""``dvst bench e2e``: frames per second and latency of the whole loopback, and where the time goes.

Three runs of the same clip (the demo at 416×240 by default) through ``dvst loopback``'s
pipeline with the small model on an AWGN channel:
- throughput: the source unpaced, so the slowest stage sets the rate → ``fps``;
- real time: the source paced at 25 fps → ``latency_ms_p50`` / ``latency_ms_p95`` (capture to
  reconstruction; if the pipeline cannot keep up, queues fill and the latency shows it);
- sustained: the source paced at 80 % of the measured throughput (at most 25 fps) →
  ``sustained_latency_ms_p50/p95``, the latency of the pipeline itself when it keeps up.
``stage_share`` is each stage's busy time over the sum of all stages' busy time (the stages
run in parallel threads, so the shares say what to optimise, not what adds up to wall time).
"""

from __future__ import annotations

from dvst.console import add_json_flag, print_table, write_json
from dvst.errors import DvstError


def register(sub) -> None:
    p = sub.add_parser("e2e", help="fps and latency of the whole loopback (codec + radio + simulator)",
                       description=__doc__.split("\n\n")[0])
    p.add_argument("--frames", type=int, default=40, help="frames per run (default 40)")
    p.add_argument("--size", default="416x240", help="frame size WxH of the demo clip (default 416x240)")
    p.add_argument("--model", default=None, help="model (default: the shipped small model)")
    p.add_argument("--snr", type=float, default=10.0, dest="snr_db", help="AWGN in-band SNR, dB (default 10)")
    p.add_argument("--fps", type=float, default=25.0, help="source rate of the real-time run (default 25)")
    p.add_argument("--encoder-threads", type=int, default=1,
                   help="torch threads of the encoder stage (default 1: on two cores the decoder and "
                        "receiver threads hold the other; 0: torch's default)")
    add_json_flag(p)
    p.set_defaults(func=run)


def measure(frames: int = 40, size: str = "416x240", model: str | None = None, snr_db: float = 10.0,
            fps: float = 25.0, encoder_threads: int | None = 1) -> dict:
    import os

    import torch

    from dvst.link.codec import load_codec
    from dvst.link.factory import loopback_session
    from dvst.link.link_config import LinkConfig

    codec = load_codec(model)
    cfg = LinkConfig(model=model, channel="awgn", snr_db=snr_db, frames=frames, size=size,
                     pace=False, msssim=False, encoder_threads=encoder_threads or None)
    warm = loopback_session(LinkConfig(**{**cfg.__dict__, "frames": 4}), "demo", codec=codec)
    warm.run(timeout=600)   # numba compilation and torch warm-up are not part of the figure

    thr = loopback_session(cfg, "demo", codec=codec)
    s_thr = thr.run(timeout=1200)

    cfg_rt = LinkConfig(**{**cfg.__dict__, "pace": True})
    rt = loopback_session(cfg_rt, "demo", codec=codec)
    rt.source.fps = fps
    s_rt = rt.run(timeout=1200)

    # latency of the pipeline itself: paced at a rate it sustains (80 % of its throughput)
    sustained = 0.8 * s_thr["fps"] if s_thr["fps"] else fps
    low = loopback_session(cfg_rt, "demo", codec=codec)
    low.source.fps = min(fps, sustained)
    s_low = low.run(timeout=1200)

    busy = s_thr["stage_seconds"]
    total = sum(busy.values()) or 1.0
    return {
        "frames": frames, "size": size, "model": codec.name, "snr_db": snr_db,
        "fps": s_thr["fps"], "latency_ms_p50": s_rt["latency_ms_p50"],
        "latency_ms_p95": s_rt["latency_ms_p95"], "realtime_source_fps": fps,
        "realtime_fps": s_rt["fps"],
        "sustained_source_fps": low.source.fps,
        "sustained_latency_ms_p50": s_low["latency_ms_p50"],
        "sustained_latency_ms_p95": s_low["latency_ms_p95"],
        "throughput_latency_ms_p50": s_thr["latency_ms_p50"],
        "stage_seconds": busy, "stage_share": {k: v / total for k, v in busy.items()},
        "frames_decoded": s_thr["frames_decoded"], "frames_concealed": s_thr["frames_concealed"],
        "psnr_db": s_thr["psnr_db"], "payload_cbr": s_thr["payload_cbr"], "air_cbr": s_thr["air_cbr"],
        "snr_measured_db": s_thr["snr_measured_db"],
        "target": {"fps": 25.0, "latency_ms_p95": 150.0},
        "machine": {"cpus": os.cpu_count(), "torch_threads": torch.get_num_threads(),
                    "encoder_threads": cfg.encoder_threads, "decoder_threads": cfg.decoder_threads,
                    "load_avg": os.getloadavg()[0]},
    }


def run(args) -> int:
    import math

    if args.frames < 4 or not (math.isfinite(args.fps) and args.fps > 0) or args.encoder_threads < 0:
        raise DvstError("--frames must be at least 4, --fps a positive rate, --encoder-threads >= 0")
    r = measure(args.frames, args.size, args.model, args.snr_db, args.fps, args.encoder_threads)
    rows = [("fps (unpaced)", r["fps"]), ("latency p50 ms (paced)", r["latency_ms_p50"]),
            ("latency p95 ms (paced)", r["latency_ms_p95"]),
            (f"latency p50 ms at {r['sustained_source_fps']:.1f} fps", r["sustained_latency_ms_p50"]),
            (f"latency p95 ms at {r['sustained_source_fps']:.1f} fps", r["sustained_latency_ms_p95"]),
            ("psnr_db", r["psnr_db"]),
            ("payload_cbr", r["payload_cbr"]), ("air_cbr", r["air_cbr"])]
    rows += [(f"share {k}", v) for k, v in sorted(r["stage_share"].items(), key=lambda kv: -kv[1])]
    print_table(rows, f"end to end, {r['size']}, model {r['model']}")
    write_json(args.json, r)
    return 0

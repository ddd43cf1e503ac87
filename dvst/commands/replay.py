"""``dvst replay CAPTURE.sigmf-meta``: run the receiver and decoder offline on a recording."""

from __future__ import annotations

from dvst.commands._runner import add_run_flags
from dvst.console import VIDEO_OUT, add_config_flag, add_json_flag, output_path
from dvst.link.link_config import add_link_flags, link_config


def register(sub) -> None:
    p = sub.add_parser(
        "replay", help="receive and decode a SigMF recording offline",
        description="Run the burst receiver and the DVST decoder on a SigMF recording (from `dvst "
                    "record`, `dvst rx` or any tool that writes complex baseband at the profile's "
                    "sample rate), with the same concealment as a live receiver.")
    p.add_argument("capture", metavar="CAPTURE.sigmf-meta", help="the recording")
    p.add_argument("--reference", metavar="INPUT", help="the transmitted video, for PSNR / MS-SSIM")
    p.add_argument("--out", metavar="FILE.mp4", type=output_path(*VIDEO_OUT),
                   help="write reference | reconstruction side by side")
    add_link_flags(p, "model", "radio", "sample_rate", "frames", "size")
    add_json_flag(p)
    add_run_flags(p)
    add_config_flag(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from dvst.commands._runner import run_command
    from dvst.link.factory import replay_session
    from dvst.link.sinks import VideoFileSink

    cfg = link_config(args)
    session = replay_session(args.capture, cfg, reference=args.reference)
    if args.out:
        session.sinks.append(VideoFileSink(args.out))
    return run_command(session, args, cfg.frames, "replay", f"replayed {args.capture}")

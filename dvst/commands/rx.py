"""``dvst rx --uri URI``: receive and decode a DVST stream with a PlutoSDR."""

from __future__ import annotations

from dvst.commands._runner import add_run_flags
from dvst.console import VIDEO_OUT, add_config_flag, add_json_flag, output_path
from dvst.link.link_config import add_link_flags, link_config


def register(sub) -> None:
    p = sub.add_parser(
        "rx", help="receive a video with a PlutoSDR",
        description="Receive the bursts `dvst tx` sends, decode them with the same model and show "
                    "or save the reconstruction. May be started before, during or after the "
                    "transmitter: it locks on at the next I-frame. Runs until --frames frames or Ctrl-C.")
    add_link_flags(p, "uri", "device", "tx_endpoint", "rx_endpoint", "zmq_pattern", "lo_hz", "sample_rate",
                   "rx_gain_db", "calibration", "frames", "model",
                   "radio")
    p.add_argument("--reference", metavar="INPUT", help="the transmitted video, for PSNR / MS-SSIM")
    p.add_argument("--out", metavar="FILE.mp4", type=output_path(*VIDEO_OUT),
                   help="write reference | reconstruction side by side")
    p.add_argument("--gui", action="store_true", help="show the live window")
    add_json_flag(p)
    add_run_flags(p)
    add_config_flag(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from dvst.commands._runner import finish, run_command
    from dvst.link.factory import rx_session
    from dvst.link.sinks import VideoFileSink

    cfg = link_config(args)
    session = rx_session(cfg, reference=args.reference)
    if args.out:
        session.sinks.append(VideoFileSink(args.out))
    title = f"received with {session.device_name}"
    if args.gui:

        return finish(args, args.viewer.show_session(session, "dvst rx"), title)
    return run_command(session, args, cfg.frames, "rx", title)

"""``dvst loopback [INPUT]``: video through the codec, the PHY and a simulated pair of Plutos."""

from __future__ import annotations

from dvst.commands._runner import add_run_flags
from dvst.console import VIDEO_OUT, add_config_flag, add_json_flag, output_path
from dvst.link.link_config import add_link_flags, link_config


def register(sub) -> None:
    p = sub.add_parser(
        "loopback", help="the demo: video through the simulated radio link, no hardware",
        description="Encode a video with DVST, send it as OFDM bursts through a simulated pair of "
                    "PlutoSDRs (noise, offsets, multipath, DAC/ADC), receive, decode and report. "
                    "With no INPUT: the demo clip and the shipped model.")
    p.add_argument("input", nargs="?", default=None, metavar="INPUT",
                   help="video file, PNG folder, .yuv (with --size) or 'demo' (default)")
    add_link_flags(p, "snr_db", "channel", "cfo_ppm", "sfo_ppm", "frames", "model", "cbr", "gop",
                   "radio", "seed", "size", "tx_endpoint", "rx_endpoint", "zmq_pattern", "side_mcs")
    p.add_argument("--out", metavar="FILE.mp4", type=output_path(*VIDEO_OUT),
                   help="write original | reconstruction side by side")
    p.add_argument("--gui", action="store_true", help="show the live window")
    p.add_argument("--screenshot", metavar="FILE.png", type=output_path(".png"),
                   help="run the window headless until the last frame and save it as PNG")
    add_json_flag(p)
    add_run_flags(p)
    add_config_flag(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from dvst.commands._runner import finish, run_command
    from dvst.link.factory import loopback_session
    from dvst.link.sinks import VideoFileSink

    cfg = link_config(args)
    if cfg.frames is None and args.input in (None, "demo"):
        cfg.frames = 60
    if cfg.tx_endpoint or cfg.rx_endpoint:   # the loopback through a GNU Radio flowgraph
        from dvst.link.factory import tx_session

        cfg.device = "zmq"
        session = tx_session(cfg, args.input, cable=True)
    else:
        session = loopback_session(cfg, args.input)
    if args.out:
        session.sinks.append(VideoFileSink(args.out, fps=getattr(session.source, "fps", 25.0)))
    title = f"loopback over {session.device_name}"
    total = cfg.frames or getattr(session.source, "n_frames", None)
    if args.screenshot:
        return finish(args, args.viewer.screenshot_session(session, args.screenshot, total), title)
    if args.gui:
        return finish(args, args.viewer.show_session(session, "dvst loopback"), title)
    return run_command(session, args, total, "loopback", title)

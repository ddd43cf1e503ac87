"""``dvst tx INPUT --uri URI``: send a video over the air from a PlutoSDR."""

from __future__ import annotations

from dvst.commands._runner import add_run_flags
from dvst.console import VIDEO_OUT, add_config_flag, add_json_flag, output_path
from dvst.link.link_config import add_link_flags, link_config


def register(sub) -> None:
    p = sub.add_parser(
        "tx", help="transmit a video from a PlutoSDR",
        description="Encode INPUT with DVST and transmit it as OFDM bursts from the PlutoSDR at "
                    "--uri, paced at the video's frame rate. Run `dvst rx` on a second board, or "
                    "add --cable to receive on the same board (TX cabled to RX through an attenuator).")
    p.add_argument("input", metavar="INPUT", help="video file, PNG folder, .yuv (with --size) or 'demo'")
    add_link_flags(p, "uri", "device", "tx_endpoint", "rx_endpoint", "zmq_pattern", "lo_hz", "sample_rate",
                   "tx_gain_db", "rx_gain_db", "calibration", "snr_db",
                   "frames", "model", "cbr", "gop", "radio", "size", "side_mcs")
    p.add_argument("--cable", action="store_true",
                   help="also receive on the same board (one Pluto, TX cabled to RX)")
    p.add_argument("--out", metavar="FILE.mp4", type=output_path(*VIDEO_OUT),
                   help="with --cable: write original | reconstruction")
    add_json_flag(p)
    add_run_flags(p)
    add_config_flag(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from dvst.commands._runner import run_command
    from dvst.link.factory import tx_session
    from dvst.link.sinks import VideoFileSink

    cfg = link_config(args)
    if args.out and not args.cable:
        from dvst.errors import DvstError

        raise DvstError("--out needs --cable: a transmitter alone has no reconstruction to write")
    session = tx_session(cfg, args.input, cable=args.cable)
    if args.out and args.cable:
        session.sinks.append(VideoFileSink(args.out, fps=getattr(session.source, "fps", 25.0)))
    return run_command(session, args, cfg.frames or getattr(session.source, "n_frames", None), "tx",
                       f"transmitted from {session.device_name}")

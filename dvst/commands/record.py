"""``dvst record INPUT --out CAPTURE.sigmf-meta``: the transmitted waveform as a SigMF recording."""

from __future__ import annotations

from dvst.console import add_config_flag, add_json_flag, output_path
from dvst.link.link_config import add_link_flags, link_config


def register(sub) -> None:
    p = sub.add_parser(
        "record", help="write the waveform `dvst tx` would send (or what a board receives) as SigMF",
        description="Encode INPUT and write the complex baseband `dvst tx` would send (cf32, full "
                    "scale 1.0, one annotation per frame) as a SigMF recording that other tools can "
                    "open, channel-simulate and hand back to `dvst replay`. With --uri the board "
                    "transmits INPUT and what it receives (TX cabled to RX) is recorded instead.")
    p.add_argument("input", metavar="INPUT", help="video file, PNG folder, .yuv (with --size) or 'demo'")
    p.add_argument("--out", required=True, metavar="CAPTURE.sigmf-meta", type=output_path(),
                   help="the recording to write")
    add_link_flags(p, "frames", "model", "cbr", "gop", "radio", "snr_db", "size", "uri", "device",
                   "tx_endpoint", "rx_endpoint", "zmq_pattern", "lo_hz", "sample_rate", "tx_gain_db",
                   "rx_gain_db", "calibration", "side_mcs")
    add_json_flag(p)
    add_config_flag(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from dvst.commands._runner import finish, run_session
    from dvst.link.factory import record_session

    cfg = link_config(args)
    if cfg.frames is None and args.input == "demo":
        cfg.frames = 60
    session = record_session(cfg, args.input, args.out)
    summary = run_session(session, cfg.frames or getattr(session.source, "n_frames", None), "record")
    summary["recording"] = str(args.out)
    return finish(args, summary, f"recorded to {args.out}")

"""``dvst eval``: codec-level simulation of a clip over a channel model (no radio)."""

from __future__ import annotations

import argparse

from dvst.console import add_json_flag, print_table, require_positive, write_json


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "eval", help="encode a clip, pass it through AWGN/Rayleigh, decode, and measure",
        description="Codec-level simulation: DVST encodes INPUT (video file, PNG folder, .yuv with "
                    "--size, or demo), the analog symbols cross the channel model at --snr, and the "
                    "decoded frames are measured (PSNR, MS-SSIM in dB, payload CBR), GOP 4. Several "
                    "INPUTs (e.g. photographs of different sizes, with --gop 1) are coded one by one "
                    "and the figures averaged over them.")
    p.add_argument("input", metavar="INPUT", nargs="+",
                   help="video file, PNG folder, image, .yuv (with --size) or 'demo'")
    p.add_argument("--model", help="a shipped model name, a .pt file, or a model config (small, paper: untrained "
                                   "weights, for timing) (default: the zoo's default PSNR model)")
    p.add_argument("--snr", type=float, required=True, metavar="DB", help="channel SNR in dB (in-band)")
    p.add_argument("--channel", default="awgn", choices=("awgn", "rayleigh"))
    p.add_argument("--gop", type=int, default=4)
    p.add_argument("--eta", type=float, help="bandwidth scale η (default: the model's)")
    p.add_argument("--cbr", type=float, metavar="TARGET", help="pick model and η for this payload CBR")
    p.add_argument("--size", help="WxH for raw .yuv input")
    p.add_argument("--max-frames", type=int, help="use only the first N frames")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--side-mcs", default="auto", metavar="MCS",
                   help="count the side information at this MCS (default auto: the one a link configured "
                        "for --snr picks; header: the robust header code)")
    add_json_flag(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from dvst.errors import DvstError
    from dvst.eval.codec_sim import evaluate
    from dvst.io.video import read_frames
    from dvst.link.codec import load_codec

    require_positive("--eta", args.eta)
    if args.max_frames is not None and args.max_frames < 1:
        raise DvstError(f"--max-frames must be >= 1, got {args.max_frames}")
    if args.seed < 0:
        raise DvstError(f"--seed must be >= 0, got {args.seed}")
    if args.cbr is not None and args.eta is not None:
        raise DvstError("--cbr picks η itself; drop --eta")
    from dvst.codec.sideinfo import SideCount
    from radio.side_mcs import resolve_side_mcs

    mcs = resolve_side_mcs(args.side_mcs, args.snr)   # an unknown name: a one-line error before any work
    count = SideCount.of(mcs)
    codec = load_codec(args.model, cbr=args.cbr, seed=args.seed, channel=args.channel)
    model, name, eta = codec.model, codec.name, args.eta if args.eta is not None else codec.eta
    sources = [read_frames(i, size=args.size, max_frames=args.max_frames) for i in args.input]
    each = [evaluate(f, model, args.snr, channel=args.channel, gop=args.gop, eta=eta, seed=args.seed,
                     side_count=count) for f in sources]
    if len(each) == 1:
        res = {"input": str(args.input[0]), "model": name, **each[0]}
    else:
        mean = {k: sum(r[k] for r in each) / len(each)
                for k in ("psnr_db", "msssim_db", "payload_cbr", "analog_cbr", "side_cbr")}
        res = {"inputs": [str(i) for i in args.input], "model": name, **mean,
               "frames": sum(r["frames"] for r in each), "snr_db": args.snr, "channel": args.channel,
               "gop": args.gop, "eta": eta, "side_mcs": each[0]["side_mcs"],
               "per_input": [{"input": str(i), **r} for i, r in zip(args.input, each)]}
    print_table([("model", name), ("inputs", len(each)), ("frames", res["frames"]),
                 ("channel", f"{args.channel} {args.snr:g} dB"),
                 ("PSNR (dB)", res["psnr_db"]), ("MS-SSIM (dB)", res["msssim_db"]),
                 ("payload CBR", res["payload_cbr"]),
                 ("side information", f"{100 * res['side_cbr'] / res['payload_cbr']:.1f} % ({res['side_mcs']})")],
                title="dvst eval")
    write_json(args.json, res)
    return 0

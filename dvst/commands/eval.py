"""``dvst eval``: codec-level simulation of a clip over a channel model (no radio)."""

from __future__ import annotations

import argparse

from dvst.commands._common import add_json_flag, print_table, write_json


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "eval", help="encode a clip, pass it through AWGN/Rayleigh, decode, and measure",
        description="Codec-level simulation: DVST encodes INPUT (video file, PNG folder, .yuv with "
                    "--size, or demo), the analog symbols cross the channel model at --snr, and the "
                    "decoded frames are measured (PSNR, MS-SSIM in dB, payload CBR), GOP 4.")
    p.add_argument("input", metavar="INPUT", help="video file, PNG folder, .yuv (with --size) or 'demo'")
    p.add_argument("--model", help="a shipped model name or a .pt file (default: the zoo's default PSNR model)")
    p.add_argument("--snr", type=float, required=True, metavar="DB", help="channel SNR in dB (in-band)")
    p.add_argument("--channel", default="awgn", choices=("awgn", "rayleigh"))
    p.add_argument("--gop", type=int, default=4)
    p.add_argument("--eta", type=float, help="bandwidth scale η (default: the model's)")
    p.add_argument("--cbr", type=float, metavar="TARGET", help="pick model and η for this payload CBR")
    p.add_argument("--size", help="WxH for raw .yuv input")
    p.add_argument("--max-frames", type=int, help="use only the first N frames")
    p.add_argument("--seed", type=int, default=0)
    add_json_flag(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from dvst.errors import DvstError
    from dvst.eval.codec_sim import evaluate
    from dvst.io.video import read_frames
    from dvst.zoo import default_name, load_model, pick_for_cbr

    name, eta = args.model, args.eta
    if eta is not None and not 0 < eta < float("inf"):  # NaN too
        raise DvstError(f"--eta must be a positive number, got {eta}")
    if args.max_frames is not None and args.max_frames < 1:
        raise DvstError(f"--max-frames must be >= 1, got {args.max_frames}")
    if args.seed < 0:
        raise DvstError(f"--seed must be >= 0, got {args.seed}")
    if args.cbr is not None:
        if args.model or args.eta is not None:
            raise DvstError("--cbr picks the model and η itself; drop --model/--eta")
        entry, eta = pick_for_cbr(args.cbr, "mse", args.channel)
        name = entry.name
    name = name or default_name()
    model = load_model(name)
    frames = read_frames(args.input, size=args.size, max_frames=args.max_frames)
    res = evaluate(frames, model, args.snr, channel=args.channel, gop=args.gop, eta=eta, seed=args.seed)
    res = {"input": str(args.input), "model": name, **res}
    print_table([("model", name), ("frames", res["frames"]), ("channel", f"{args.channel} {args.snr:g} dB"),
                 ("PSNR (dB)", res["psnr_db"]), ("MS-SSIM (dB)", res["msssim_db"]),
                 ("payload CBR", res["payload_cbr"])], title="dvst eval")
    write_json(args.json, res)
    return 0

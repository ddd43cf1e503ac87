"""``dvst models``: the pretrained models shipped in the package, their figures, and CBR picking."""

from __future__ import annotations

import argparse

from dvst.console import add_json_flag, print_table, require_positive, write_json


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "models", help="list the shipped pretrained models",
        description="List the pretrained models with their figures measured on the validation "
                    "clips (10 dB AWGN, GOP 4). --cbr picks the model and η that meet a target CBR.")
    p.add_argument("--cbr", type=float, metavar="TARGET", help="pick the model and η for this payload CBR")
    p.add_argument("--metric", default="mse", choices=("mse", "msssim"), help="distortion the model is optimised for")
    p.add_argument("--channel", default="awgn", choices=("awgn", "rayleigh"))
    p.add_argument("--add", metavar="RUN_DIR", help="(maintainers) add a finished training run to the zoo")
    p.add_argument("--remeasure", metavar="NAME",
                   help="(maintainers) measure a shipped model again from its own weights")
    p.add_argument("--name", help="with --add: the model's name")
    p.add_argument("--default", action="store_true", help="with --add: make it the default model")
    p.add_argument("--data-root", help="with --add or --remeasure: where the validation clips are")
    p.add_argument("--trained", default="", help="with --add: how it was trained (recipe, steps, machine, hours)")
    p.add_argument("--eta", type=float, help="with --add: the rung's bandwidth scale η (default: the model's)")
    p.add_argument("--weights", metavar="FILE.pt",
                   help="with --add: the weights file under dvst/zoo/weights (default NAME.pt); "
                        "rungs of one variable-rate model share one")
    add_json_flag(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from dvst.errors import DvstError
    from dvst.zoo import default_name, list_models, pick_for_cbr
    from foundation.yaml_config import to_mapping

    if args.add:
        from dvst.train.publish import add_model

        if not args.name:
            raise DvstError("--add needs --name")
        require_positive("--eta", args.eta)
        e = add_model(args.add, args.name, args.data_root, args.default, args.trained,
                      eta=args.eta, weights_name=args.weights)
        print(f"added {e.name}: PSNR {e.measured.psnr_db:.2f} dB at CBR {e.measured.payload_cbr:.4f} (10 dB)")
        write_json(args.json, to_mapping(e))
        return 0
    if args.remeasure:
        from dvst.train.publish import remeasure_model

        e = remeasure_model(args.remeasure, args.data_root or "../shared/data")
        print(f"measured {e.name}: PSNR {e.measured.psnr_db:.2f} dB at CBR {e.measured.payload_cbr:.4f} (10 dB)")
        write_json(args.json, to_mapping(e))
        return 0
    if args.cbr is not None:
        entry, eta = pick_for_cbr(args.cbr, args.metric, args.channel)
        print_table([("model", entry.name), ("eta", round(eta, 4)), ("target CBR", args.cbr),
                     ("PSNR at its own η (10 dB)", entry.measured.psnr_db)], title="pick")
        write_json(args.json, {"model": entry.name, "eta": eta, "target_cbr": args.cbr})
        return 0
    models = list_models()
    if not models:
        print("no pretrained models are shipped")
        return 0
    default = default_name()
    print(f"{'name':<24} {'metric':<7} {'λ':>7} {'channel':<8} {'SNR dB':<7} {'PSNR':>6} {'MS-SSIM':>8} "
          f"{'CBR':>7}  (measured at 10 dB, GOP 4, validation clips)")
    for e in models:
        m = e.measured
        star = " *" if e.name == default else ""
        print(f"{e.name:<24} {e.metric:<7} {e.lmbda:>7.4g} {e.channel:<8} "
              f"{f'{e.snr_db[0]:g}–{e.snr_db[-1]:g}':<7} {m.psnr_db:>6.2f} {m.msssim_db:>8.2f} "
              f"{m.payload_cbr:>7.4f}{star}")
    print("* default")
    write_json(args.json, {"default": default, "models": [to_mapping(e) for e in models]})
    return 0

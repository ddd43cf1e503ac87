"""``dvst train``: train (or resume) a DVST model from a recipe in dvst/train/recipes/."""

from __future__ import annotations

import argparse
import logging
import os

from dvst.console import add_config_flag, require_positive


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "train", help="train a DVST model (CPU, or GPUs under torchrun)",
        description="Train DVST with the paper's progressive stages. Runs on one CPU process by "
                    "default and unchanged under `torchrun --nproc_per_node N` (DDP). Resumes from "
                    "OUT_DIR/NAME/last.pt when it exists.")
    add_config_flag(p, "a recipe in dvst/train/recipes/")
    p.add_argument("--name", help="run name (default: the config's)")
    p.add_argument("--out-dir", help="folder of runs (default: the config's, runs/)")
    p.add_argument("--data-root", help="where the data paths of the config start (default: the config's)")
    p.add_argument("--lmbda", type=float, help="override λ")
    p.add_argument("--eta", type=float,
                   help="override the model's bandwidth scale η (complex symbols per bit, eq. 10) of the primary link")
    p.add_argument("--init", metavar="MODEL",
                   help="start from these weights: a shipped model's name or a .pt file (fine-tuning)")
    p.add_argument("--device", help="cpu, cuda, cuda:1 … (default: auto)")
    p.add_argument("--threads", type=int, help="CPU threads per process")
    p.add_argument("--amp", action="store_true", default=None,
                   help="bf16 autocast and channels-last on CUDA (the GPU recipe)")
    p.add_argument("--max-steps", type=int, help="stop this call after N steps (checkpointed)")
    p.add_argument("--time-limit", type=float, metavar="MIN", help="stop this call after MIN minutes (checkpointed)")
    p.add_argument("--no-resume", action="store_true", help="ignore an existing checkpoint")
    p.add_argument("--pack", metavar="FILE.npz",
                   help="write the config's training footage into one file and exit; "
                        "train elsewhere with --data-pack FILE.npz")
    p.add_argument("--data-pack", metavar="FILE.npz", help="read the footage from this pack instead of its sources")
    p.add_argument("--export", metavar="RUN_DIR", help="write RUN_DIR/model.pt from RUN_DIR/last.pt and exit")
    p.add_argument("--campaign", metavar="DIR",
                   help="a campaign folder (state.yaml, logs; weights in the zoo): resume from it when "
                        "the run has no checkpoint on this machine")
    p.add_argument("--save-campaign", nargs=3, metavar=("DIR", "RUN_DIR", "WEIGHTS.pt"),
                   help="record RUN_DIR's position and logs in DIR beside WEIGHTS.pt (its latest "
                        "weights, e.g. the zoo's copy) and exit")
    p.add_argument("--plot", nargs="+", metavar=("OUT.png", "RUN_DIR"),
                   help="plot the training curves of RUN_DIRs into OUT.png and exit")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from dvst.errors import DvstError
    from dvst.train.recipe import load_train_config

    if args.plot:
        from dvst.train.plot import plot_runs

        if len(args.plot) < 2:
            raise DvstError("--plot needs OUT.png and at least one RUN_DIR")
        print(f"wrote {plot_runs(args.plot[1:], args.plot[0])}")
        return 0
    if args.export:
        from dvst.train.trainer import export_run

        print(f"wrote {export_run(args.export)}")
        return 0
    if args.save_campaign:
        from dvst.train.campaign import save_campaign

        dest, run_dir, weights = args.save_campaign
        st = save_campaign(run_dir, dest, weights)
        print(f"wrote {dest}/state.yaml: stage {st.stage}, step {st.step}, global step {st.global_step}, "
              f"{st.elapsed_s / 3600:.2f} h")
        return 0
    if not args.config:
        raise DvstError("dvst train needs --config (a file, or a name under dvst/train/recipes/)")
    cfg = load_train_config(args.config, name=args.name, out_dir=args.out_dir, lmbda=args.lmbda,
                            device=args.device, threads=args.threads, amp=args.amp)
    if args.data_root:
        cfg.data.root = args.data_root
    if args.data_pack:
        cfg.data.pack = args.data_pack
    if args.init:
        cfg.init = args.init
    if args.eta is not None:
        require_positive("--eta", args.eta)
        cfg.model_overrides = {**cfg.model_overrides, "eta": args.eta}
    if args.pack:
        from dvst.train.data import write_pack

        print(f"wrote {write_pack(cfg.data, args.pack)}")
        return 0
    if args.campaign:
        from pathlib import Path

        from dvst.train.campaign import restore_campaign
        from foundation.yaml_config import to_mapping

        last = Path(cfg.out_dir) / cfg.name / "last.pt"
        if not last.exists() and not args.no_resume:
            st = restore_campaign(args.campaign, last.parent, to_mapping(cfg))
            print(f"resuming the campaign of {args.campaign}: stage {st.stage}, step {st.step}, "
                  f"global step {st.global_step}")
    from dvst.train.trainer import train

    logging.getLogger("dvst.train").setLevel(logging.INFO)  # the progress lines: validation, resume
    run_dir = train(cfg, resume=not args.no_resume, max_steps=args.max_steps,
                    time_limit_s=args.time_limit * 60 if args.time_limit else None)
    if int(os.environ.get("RANK", 0)) == 0:
        print(f"run folder: {run_dir}")
    return 0

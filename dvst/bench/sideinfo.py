"""``dvst bench sideinfo``: what each side-information MCS costs and where it stops working.

Through the whole radio on AWGN (Transmitter → LoopbackChannel → Receiver, detection and
channel estimation included), bursts carrying ``--side-bytes`` of side information (default 18:
a 416×240 DVST frame) at each MCS of ``radio.side_mcs``; a burst counts when its header and its
side information both arrive intact. Per MCS: channel symbols per side bit, the coded side
information's symbols per burst (CRC-32 and whole OFDM symbols included), the block error rate at
each SNR of the sweep, and the lowest SNR where every burst decoded (the table's ``min_snr_db``).

Keys of ``--json``: ``profile``, ``side_bytes``, ``bursts``, ``snr_db`` (the sweep), ``mcs``: a
list of {name, index, symbols_per_bit, side_symbols, bler (one per SNR), all_ok_from_db,
table_min_snr_db}.
"""

from __future__ import annotations

import numpy as np


def side_bler(profile, mcs: int, snr_db: float, n_bursts: int, side_bytes: int, seed: int = 0) -> float:
    """Fraction of ``n_bursts`` whose side information did not arrive intact (header lost too)."""
    from dvst.bench.radio import run_link

    rng = np.random.default_rng(seed)
    lost, per = 0, 50
    for first in range(0, n_bursts, per):
        k = min(per, n_bursts - first)
        side = rng.integers(0, 256, side_bytes, dtype=np.uint8).tobytes()
        run = run_link(profile, n_bursts=k, payload_len=profile.n_data, side_info=side, side_mcs=mcs,
                       seed=seed * 7919 + first, snr_db=snr_db, gap=(200, 1500))
        ok = {b.header.frame_index for b in run.bursts if b.header is not None and b.header.side_info == side}
        lost += k - len(ok)
    return lost / n_bursts


def run(args) -> int:
    from dvst.console import print_table, progress, write_json
    from dvst.errors import DvstError
    from radio.header import HeaderCodec
    from radio.profile import load_profile
    from radio.side_mcs import SIDE_MCS

    if not 1 <= args.side_bytes <= 4096:
        raise DvstError(f"--side-bytes must be in 1 .. 4096, got {args.side_bytes}")
    if not 1 <= args.bursts <= 100000:
        raise DvstError(f"--bursts must be in 1 .. 100000, got {args.bursts}")
    try:
        snrs = [float(s) for s in args.snr.split(",")]
    except ValueError:
        raise DvstError(f"--snr must be comma-separated numbers, got {args.snr!r}") from None
    if not snrs or not all(-20 <= s <= 60 for s in snrs):
        raise DvstError("--snr values must lie in -20 .. 60 dB")
    snrs = sorted(snrs)
    profile = load_profile(args.profile)
    codec = HeaderCodec(profile)
    out = []
    with progress(total=len(SIDE_MCS) * len(snrs), desc="MCS × SNR") as bar:
        for m in SIDE_MCS:
            bler = []
            for s in snrs:
                # above the first SNR where all arrived, the rest are taken as error-free too
                if bler and bler[-1] == 0.0 and not args.full:
                    bler.append(0.0)
                else:
                    bler.append(side_bler(profile, m.index, s, args.bursts, args.side_bytes, seed=m.index))
                bar.update(1)
            ok_from = next((s for s, b in zip(snrs, bler) if b == 0.0), None)
            out.append({"name": m.name, "index": m.index, "symbols_per_bit": m.symbols_per_bit(profile),
                        "side_symbols": codec.n_side_symbols(args.side_bytes, m.index) * profile.n_data,
                        "bler": bler, "all_ok_from_db": ok_from, "table_min_snr_db": m.min_snr_db})
    rows = [(r["name"], f"{r['symbols_per_bit']:.3f} sym/bit, {r['side_symbols']} symbols; "
             f"all {args.bursts} from {r['all_ok_from_db']} dB (table {r['table_min_snr_db']}); "
             f"BLER at {snrs[0]:g} dB {r['bler'][0]:.3f}") for r in out]
    print_table(rows, title=f"dvst bench sideinfo ({args.side_bytes} bytes, AWGN, profile {profile.name})")
    write_json(args.json, {"profile": profile.name, "side_bytes": args.side_bytes, "bursts": args.bursts,
                           "snr_db": snrs, "mcs": out})
    return 0


def register(sub) -> None:
    from dvst.console import add_json_flag

    p = sub.add_parser("sideinfo", help="side-information MCS: symbols per bit, error rate against SNR",
                       description="Each side-information MCS through the whole radio on AWGN "
                                   "(radio/side_mcs.py takes its thresholds from this).")
    p.add_argument("--radio", "--profile", dest="profile", metavar="PROFILE", default="default",
                   help="radio profile (name under radio/profiles/ or a file)")
    p.add_argument("--side-bytes", type=int, default=18, help="side-information bytes per burst (default 18)")
    p.add_argument("--bursts", type=int, default=1000, help="bursts per MCS and SNR (default 1000)")
    p.add_argument("--snr", default=",".join(f"{x / 2:g}" for x in range(-4, 33)) + ",17,18,20",
                   help="comma-separated SNRs in dB (default -2 … 16 in 0.5 dB steps, 17, 18, 20)")
    p.add_argument("--full", action="store_true",
                   help="measure every SNR (default: an MCS stops at its first error-free SNR)")
    add_json_flag(p)
    p.set_defaults(func=run)

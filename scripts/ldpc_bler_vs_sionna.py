#!/usr/bin/env python
"""BLER of our layered normalised min-sum LDPC decoder against Sionna's LDPC5GDecoder on AWGN.

Both decoders see the very same noisy LLRs (paired frames), BPSK (0 -> +1) on a real AWGN channel with
noise variance N0/2, so the x axis is Eb/N0 = Es/N0 / rate. Gray-labelled QPSK is two such BPSK channels and
has the same BLER against Eb/N0. Sionna runs its defaults (flooding schedule, exact "boxplus-phi" check
nodes, pruned graph) with the same number of iterations; ours stops early once all checks hold.

Usage (the table in docs/fec.md):
    .venv/bin/python scripts/ldpc_bler_vs_sionna.py --codes 6144_4096 8192_4096 6144_2048 \\
        --ebn0 1.0 3.0 0.25 --frames 2000
Prints a markdown table per code and the Eb/N0 at BLER 1e-1 and 1e-2 (log-linear interpolation) for both.
"""
from __future__ import annotations

import argparse
import pathlib
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from radio.fec.ldpc import LDPC5G, PAPER_CODES, paper_code  # noqa: E402


def simulate(code: LDPC5G, ebn0_db: np.ndarray, frames: int, max_iter: int, batch: int, seed: int,
             sionna: bool = True):
    """Block errors of ours and Sionna's at each Eb/N0; returns (ours [P], sionna [P], frames [P]).
    With sionna=False only ours runs (Sionna's column is then NaN)."""
    if sionna:
        import torch
        from sionna.phy.fec.ldpc import LDPC5GDecoder, LDPC5GEncoder

        torch.set_num_threads(1)
        dec = LDPC5GDecoder(LDPC5GEncoder(code.k, code.n), num_iter=max_iter)
    rng = np.random.default_rng(seed)
    ours = np.zeros(len(ebn0_db), np.int64)
    theirs = np.zeros(len(ebn0_db), np.float64) if sionna else np.full(len(ebn0_db), np.nan)
    done = np.zeros(len(ebn0_db), np.int64)
    for p, eb in enumerate(ebn0_db):
        es_n0 = code.rate * 10.0 ** (eb / 10.0)
        while done[p] < frames:
            nb = min(batch, frames - done[p])
            u = rng.integers(0, 2, (nb, code.k), dtype=np.uint8)
            y = 1.0 - 2.0 * code.encode(u) + rng.normal(0.0, np.sqrt(0.5 / es_n0), (nb, code.n))
            llr = (4.0 * es_n0 * y).astype(np.float32)
            bits, _ = code.decode(llr, max_iter)
            ours[p] += int(np.any(bits != u, axis=1).sum())
            if sionna:
                with torch.no_grad():
                    ref = dec(torch.from_numpy(-llr)).numpy()  # Sionna takes logits ln P(1)/P(0)
                theirs[p] += int(np.any(ref.astype(np.uint8) != u, axis=1).sum())
            done[p] += nb
    return ours, theirs, done


def ebn0_at(ebn0: np.ndarray, bler: np.ndarray, target: float) -> float:
    """Eb/N0 where the BLER curve crosses ``target`` (log-linear interpolation between two points with
    errors), NaN where it does not or where the point below has no error to interpolate with."""
    for i in range(len(ebn0) - 1):
        if bler[i] >= target > bler[i + 1] > 0:
            lo, hi = np.log10(bler[i]), np.log10(bler[i + 1])
            return float(ebn0[i] + (np.log10(target) - lo) / (hi - lo) * (ebn0[i + 1] - ebn0[i]))
    return float("nan")


def main() -> int:
    ap = argparse.ArgumentParser(description="LDPC BLER: ours vs Sionna on BPSK/AWGN")
    ap.add_argument("--codes", nargs="+", default=["6144_4096"],
                    help=f"paper codes ({', '.join(PAPER_CODES)}) or K,N")
    ap.add_argument("--ebn0", nargs=3, type=float, default=[1.0, 3.0, 0.25],
                    metavar=("START", "STOP", "STEP"))
    ap.add_argument("--frames", type=int, default=500)
    ap.add_argument("--max-iter", type=int, default=20)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--alpha", type=float, default=None,
                    help="min-sum normalisation (default: the library's)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--ours-only", action="store_true", help="skip Sionna (e.g. to sweep --alpha quickly)")
    args = ap.parse_args()
    grid = np.round(np.arange(args.ebn0[0], args.ebn0[1] + 1e-9, args.ebn0[2]), 4)
    for name in args.codes:
        kw = {} if args.alpha is None else {"alpha": args.alpha}
        if name in PAPER_CODES:
            code = paper_code(name, **kw)
        else:
            k, n = (int(v) for v in name.split(","))
            code = LDPC5G(k, n, **kw)
        t0 = time.time()
        ours, theirs, frames = simulate(code, grid, args.frames, args.max_iter, args.batch, args.seed,
                                        sionna=not args.ours_only)
        print(f"\n{code!r}, {args.max_iter} iterations, alpha={code.alpha}, {frames[0]} frames per point "
              f"({time.time() - t0:.0f} s)\n")
        print("| Eb/N0 (dB) | BLER ours | BLER Sionna |\n|---:|---:|---:|")
        for p, eb in enumerate(grid):
            print(f"| {eb:.2f} | {ours[p] / frames[p]:.4f} | {theirs[p] / frames[p]:.4f} |")
        for target in (1e-1, 1e-2):
            a, b = ebn0_at(grid, ours / frames, target), ebn0_at(grid, theirs / frames, target)
            print(f"Eb/N0 at BLER {target:g}: ours {a:.2f} dB, Sionna {b:.2f} dB, gap {a - b:+.2f} dB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

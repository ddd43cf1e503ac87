#!/usr/bin/env python
"""Encoder and decoder speed of radio.fec.ldpc on one core (CPU time of the calling thread).

For each paper code and each BPSK Es/N0 point: decoded information Mbit/s with max 20 iterations and early
stopping, mean iterations and BLER (radio.fec.ldpc.ldpc_decode_benchmark), plus encoder Mbit/s.
Usage (the table in docs/fec.md):
    NUMBA_NUM_THREADS=1 .venv/bin/python scripts/ldpc_throughput.py --seconds 3
"""
from __future__ import annotations

import argparse
import pathlib
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from radio.fec.ldpc import PAPER_CODES, ldpc_decode_benchmark, paper_code  # noqa: E402

# BPSK Es/N0 points per code: comfortably above the waterfall, in it (hard), and hopeless (all 20 iterations).
POINTS = {"6144_4096": (2.0, 0.25, -3.0), "8192_4096": (0.0, -1.75, -5.0), "6144_2048": (-2.0, -4.0, -7.0)}


def encode_mbps(name: str, seconds: float, batch: int = 64) -> float:
    code = paper_code(name)
    u = np.random.default_rng(0).integers(0, 2, (batch, code.k), dtype=np.uint8)
    code.encode(u)  # compile / load cache
    frames, busy = 0, 0.0
    while busy < seconds:
        t0 = time.thread_time()
        code.encode(u)
        busy += time.thread_time() - t0
        frames += batch
    return frames * code.k / busy / 1e6


def main() -> int:
    ap = argparse.ArgumentParser(description="LDPC encode/decode throughput on one core")
    ap.add_argument("--codes", nargs="+", default=list(PAPER_CODES))
    ap.add_argument("--seconds", type=float, default=2.0, help="CPU seconds per measurement")
    args = ap.parse_args()
    print("| code (n,k) | BPSK Es/N0 (dB) | decode Mbit/s | mean iterations | BLER | encode Mbit/s |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in args.codes:
        enc = encode_mbps(name, args.seconds)
        for snr in POINTS[name]:
            r = ldpc_decode_benchmark(name, snr, args.seconds)
            print(f"| {r['code']} | {snr:.2f} | {r['mbps']:.1f} | {r['mean_iterations']:.2f} "
                  f"| {r['bler']:.3f} | {enc:.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

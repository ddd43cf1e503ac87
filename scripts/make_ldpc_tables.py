#!/usr/bin/env python
"""Write (or check) ``radio/fec/ldpc_tables.py``: the 5G NR LDPC base graphs of 3GPP TS 38.212.

The numbers are those of 38.212 Table 5.3.2-2 (base graph 1, 46 x 68, 316 entries) and Table 5.3.2-3
(base graph 2, 42 x 52, 197 entries): for every non-zero entry (row i, column j) the shift V_ij for each
of the eight lifting-size sets i_LS = 0..7 of Table 5.3.2-1. A public transcription of those tables is the
input: by default the semicolon-separated files shipped with Sionna (``sionna/phy/fec/ldpc/codes``, located
without importing Sionna), or any file in that layout given with ``--source-dir``. The output is this
project's own compact format: per base-graph row, a tuple of ``(column, (V_0, ..., V_7))``.

Before writing, the tables are checked against what the standard says about their structure (so a
transcription error or a swapped set column is caught here, not in a BLER curve):
  * dimensions and number of entries (BG1: 46 x 68, 316; BG2: 42 x 52, 197);
  * every shift of set i_LS is smaller than the largest lifting size of that set (V_ij = V mod Z must be
    meaningful for every Z of the set);
  * the core parity part (rows 0..3, columns K_b..K_b+3) has the 5G double-diagonal form: one weight-3
    column whose circulants cancel pairwise except one, then a staircase of identities;
  * the extension part (rows >= 4, columns >= K_b+4) is an identity diagonal.
The full lifted parity-check matrices are additionally compared with Sionna's in tests/test_fec_ldpc.py.

Usage:
    .venv/bin/python scripts/make_ldpc_tables.py            # write radio/fec/ldpc_tables.py
    .venv/bin/python scripts/make_ldpc_tables.py --check    # verify the committed file, exit 1 if it differs
"""
from __future__ import annotations

import argparse
import importlib.util
import pathlib
import sys

REPO = pathlib.Path(__file__).resolve().parents[1]
OUT = REPO / "radio" / "fec" / "ldpc_tables.py"

# 38.212 Table 5.3.2-1: lifting-size sets; the largest Z of each set bounds its shifts.
LIFTING_SETS = (
    (2, 4, 8, 16, 32, 64, 128, 256),
    (3, 6, 12, 24, 48, 96, 192, 384),
    (5, 10, 20, 40, 80, 160, 320),
    (7, 14, 28, 56, 112, 224),
    (9, 18, 36, 72, 144, 288),
    (11, 22, 44, 88, 176, 352),
    (13, 26, 52, 104, 208),
    (15, 30, 60, 120, 240),
)
SHAPES = {1: (46, 68, 316, 22), 2: (42, 52, 197, 10)}  # rows, columns, entries, K_b


def default_source_dir() -> pathlib.Path:
    spec = importlib.util.find_spec("sionna")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("sionna is not installed; pass --source-dir with 5G_bg1.csv and 5G_bg2.csv")
    return pathlib.Path(list(spec.submodule_search_locations)[0]) / "phy" / "fec" / "ldpc" / "codes"


def read_source(path: pathlib.Path) -> dict[tuple[int, int], tuple[int, ...]]:
    """Parse 'row;column;V_0;...;V_7' lines (row left empty when it repeats) into {(row, col): shifts}."""
    entries: dict[tuple[int, int], tuple[int, ...]] = {}
    row = -1
    for line in path.read_text().splitlines():
        fields = [f.strip() for f in line.split(";")]
        if len(fields) < 10 or not fields[1].isdigit():
            continue  # header lines
        if fields[0]:
            row = int(fields[0])
        entries[(row, int(fields[1]))] = tuple(int(v) for v in fields[2:10])
    return entries


def check_structure(bg: int, entries: dict[tuple[int, int], tuple[int, ...]]) -> None:
    rows, cols, count, kb = SHAPES[bg]
    problems = []
    if len(entries) != count:
        problems.append(f"{len(entries)} entries, the standard has {count}")
    if max(r for r, _ in entries) != rows - 1 or max(c for _, c in entries) != cols - 1:
        problems.append("wrong dimensions")
    for (r, c), shifts in entries.items():
        for i_ls, v in enumerate(shifts):
            if not 0 <= v < max(LIFTING_SETS[i_ls]):
                problems.append(f"V[{r},{c}] for i_LS={i_ls} is {v}, outside 0..{max(LIFTING_SETS[i_ls]) - 1}")
    # Core parity: columns kb+1..kb+3 form the staircase of identities.
    staircase = {(0, kb + 1), (1, kb + 1), (1, kb + 2), (2, kb + 2), (2, kb + 3), (3, kb + 3)}
    core = {(r, c) for (r, c) in entries if r < 4 and kb < c < kb + 4}
    if core != staircase or any(entries[e] != (0,) * 8 for e in staircase):
        problems.append("core parity columns kb+1..kb+3 are not the identity staircase")
    # Column kb: weight 3 in rows 0..3; per set, two equal shifts cancel and one remains.
    first = sorted(r for (r, c) in entries if c == kb and r < 4)
    if len(first) != 3:
        problems.append(f"core column {kb} has weight {len(first)} in rows 0..3, expected 3")
    else:
        for i_ls in range(8):
            v = [entries[(r, kb)][i_ls] for r in first]
            if len(set(v)) != 2:
                problems.append(f"core column {kb}, i_LS={i_ls}: shifts {v} do not cancel to one circulant")
    # Extension: identity diagonal, nothing else right of column kb+3 in rows >= 4 or above it.
    for (r, c), shifts in entries.items():
        if c >= kb + 4 and (c - kb != r or shifts != (0,) * 8):
            problems.append(f"extension entry ({r},{c}) is not on the identity diagonal")
    for r in range(4, rows):
        if (r, kb + r) not in entries:
            problems.append(f"extension row {r} lacks its identity at column {kb + r}")
    if problems:
        sys.exit(f"base graph {bg}: " + "; ".join(problems[:5]))


def render(tables: dict[int, dict[tuple[int, int], tuple[int, ...]]]) -> str:
    out = [
        '"""5G NR LDPC base graphs, 3GPP TS 38.212 Tables 5.3.2-2 (BG1) and 5.3.2-3 (BG2).',
        "",
        "Generated by scripts/make_ldpc_tables.py -- do not edit by hand. BG1_ROWS[i] / BG2_ROWS[i] hold the",
        "non-zero entries of base-graph row i as (column j, (V_ij for i_LS = 0, ..., 7)); the circulant used",
        "for lifting size Z is the Z x Z identity cyclically shifted by V_ij mod Z (38.212 5.3.2).",
        '"""',
        "",
        f"LIFTING_SETS = {LIFTING_SETS!r}",
        "",
    ]
    for bg, entries in tables.items():
        rows, cols, _, kb = SHAPES[bg]
        out.append(f"BG{bg}_SHAPE = ({rows}, {cols})  # base-graph rows, columns; K_b = {kb}")
        out.append(f"BG{bg}_ROWS = (")
        for r in range(rows):
            items = [(c, entries[(r, c)]) for c in range(cols) if (r, c) in entries]
            out.append(f"    (  # row {r}")
            for c, v in items:
                out.append(f"        ({c}, ({', '.join(str(x) for x in v)})),")
            out.append("    ),")
        out.append(")")
        out.append("")
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source-dir", type=pathlib.Path, default=None)
    ap.add_argument("--check", action="store_true", help="compare with the committed file instead of writing")
    args = ap.parse_args()
    src = args.source_dir or default_source_dir()
    tables = {}
    for bg in (1, 2):
        entries = read_source(src / f"5G_bg{bg}.csv")
        check_structure(bg, entries)
        tables[bg] = entries
    text = render(tables)
    if args.check:
        same = OUT.exists() and OUT.read_text() == text
        print(f"{OUT.relative_to(REPO)}: {'matches' if same else 'DIFFERS from'} the source tables")
        return 0 if same else 1
    OUT.write_text(text)
    print(f"wrote {OUT.relative_to(REPO)}: BG1 {len(tables[1])} entries, BG2 {len(tables[2])} entries")
    return 0


if __name__ == "__main__":
    sys.exit(main())

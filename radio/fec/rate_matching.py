"""5G NR LDPC rate matching, 3GPP TS 38.212 5.4.2: circular-buffer bit selection and bit interleaving.

The lifted codeword c (length n_cols * Z) is written into the circular buffer d_k = c_{k+2Z}: the first 2Z
systematic bits are never sent (5.3.2). Bit selection (5.4.2.1) reads E bits from position k0 of d,
skipping filler bits (<NULL>) and wrapping round the buffer (repetition) when E exceeds it. This module
only computes index maps; applying them is a gather (encoder) or a scatter-add (decoder).
Limited-buffer rate matching is not used (I_LBRM = 0, so N_cb = N).
"""
from __future__ import annotations

import numpy as np

# 38.212 Table 5.4.2.1-2: k0 = floor(coeff * N_cb / (cols * Z)) * Z for rv_id 0..3.
_K0_COEFF = {1: ((0, 17, 33, 56), 66), 2: ((0, 13, 25, 43), 50)}


def k0_position(base_graph: int, n_cb: int, z: int, rv: int) -> int:
    """Start position k0 in the circular buffer for redundancy version ``rv`` (0..3)."""
    coeffs, cols = _K0_COEFF[base_graph]
    return (coeffs[rv] * n_cb // (cols * z)) * z


def bit_selection_indices(n_full: int, z: int, k: int, k_sys: int, e: int, k0: int = 0) -> np.ndarray:
    """Indices into the lifted codeword of the ``e`` transmitted bits, in transmission order.

    n_full: lifted codeword length (base-graph columns * Z); k: information bits; k_sys: systematic
    length K = K_b * Z (positions k .. k_sys-1 are filler bits); k0: start position in the buffer.
    Returns int64 [e]. Indices repeat when e exceeds the buffer (then the decoder adds their LLRs).
    """
    buffer = np.arange(2 * z, n_full, dtype=np.int64)  # d_k = c_{k+2Z}, N_cb = n_full - 2Z
    buffer = np.concatenate([buffer[k0:], buffer[:k0]])  # start at k0, then wrap
    useful = buffer[(buffer < k) | (buffer >= k_sys)]  # filler bits are <NULL>: skipped
    reps = -(-e // useful.size)
    return np.tile(useful, reps)[:e]


def interleaver_indices(e: int, bits_per_symbol: int) -> np.ndarray:
    """Bit interleaver of 38.212 5.4.2.2 as a gather map: ``f = e_bits[perm]``.

    f_{i + j*Q_m} = e_{i*E/Q_m + j} for i < Q_m, j < E/Q_m: the bits of one modulation symbol come from
    Q_m rows spread E/Q_m apart. Returns int64 [e]; e must be a multiple of bits_per_symbol.
    """
    qm = int(bits_per_symbol)
    cols = e // qm
    i, j = np.meshgrid(np.arange(qm), np.arange(cols), indexing="xy")  # i fastest within a symbol
    return (i * cols + j).reshape(-1).astype(np.int64)

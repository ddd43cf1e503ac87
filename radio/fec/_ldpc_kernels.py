"""numba kernels of the 5G NR LDPC encoder and the layered normalised min-sum decoder.

Both work on the lifted code described by a base-graph row list in CSR form: for base-graph row r the
edges ``row_ptr[r] .. row_ptr[r+1]-1`` hold the column block ``edge_col[e]`` and the cyclic shift
``edge_shift[e]`` (= V mod Z). Row ``r*Z + z`` of the lifted parity-check matrix has its one in column
block ``c`` at bit ``c*Z + (z + shift) % Z`` (38.212 5.3.2: the identity cyclically shifted right).
Only the rows the decoder needs are passed in (the core rows 0..3 plus the extension rows whose
parity columns are transmitted); the encoder gets the same rows, which produce every bit that is sent.
"""
from __future__ import annotations

import numba as nb
import numpy as np


@nb.njit(cache=True, nogil=True)
def encode_lifted(info, n_sys_cols, z, row_ptr, edge_col, edge_shift, out):
    """Systematic 5G encoding of each row of ``info`` into ``out``.

    info: uint8 [B, K] systematic bits (filler bits already zero), K = n_sys_cols * z.
    out:  uint8 [B, (n_sys_cols + n_rows) * z], written completely.
    Core parity (rows 0..3, columns kb..kb+3): the weight-3 column kb has circulants in rows 0..3 of
    which two cancel in the sum of the four rows, leaving one (shift x): p0 = P^-x (sum of the row
    syndromes of the systematic part). The staircase of identities then gives p1, p2, p3 row by row;
    each extension row r >= 4 has an identity at column kb + r, so its parity is its row syndrome.
    """
    n_rows = row_ptr.shape[0] - 1
    kb = n_sys_cols
    kz = kb * z
    lam = np.zeros((n_rows, z), np.uint8)
    core_shift = np.full(4, -1, np.int64)  # shift of column kb in rows 0..3 (-1: no entry)
    for r in range(4):
        for e in range(row_ptr[r], row_ptr[r + 1]):
            if edge_col[e] == kb:
                core_shift[r] = edge_shift[e]
    # Shift left over after the pairwise cancellation in column kb.
    x = -1
    for r in range(4):
        if core_shift[r] >= 0:
            count = 0
            for q in range(4):
                if core_shift[q] == core_shift[r]:
                    count += 1
            if count == 1:
                x = core_shift[r]
    t = np.zeros(z, np.uint8)
    for b in range(info.shape[0]):
        c = out[b]
        c[:kz] = info[b]
        c[kz:] = 0
        # Row syndromes of the systematic part.
        for r in range(4):
            lam[r, :] = 0
            for e in range(row_ptr[r], row_ptr[r + 1]):
                col = edge_col[e]
                if col >= kb:
                    continue
                s = edge_shift[e]
                base = col * z
                for i in range(z):
                    j = i + s
                    if j >= z:
                        j -= z
                    lam[r, i] ^= c[base + j]
        for i in range(z):
            t[i] = lam[0, i] ^ lam[1, i] ^ lam[2, i] ^ lam[3, i]
        p0 = kz
        for i in range(z):  # P^x p0 = t  <=>  p0[(i + x) % z] = t[i]
            j = i + x
            if j >= z:
                j -= z
            c[p0 + j] = t[i]
        # Staircase: row0: A0 p0 + p1 = lam0; row1: A1 p0 + p1 + p2 = lam1; row3: A3 p0 + p3 = lam3.
        for i in range(z):
            v1 = lam[0, i]
            v2 = lam[1, i]
            v3 = lam[3, i]
            if core_shift[0] >= 0:
                v1 ^= c[p0 + (i + core_shift[0]) % z]
            if core_shift[1] >= 0:
                v2 ^= c[p0 + (i + core_shift[1]) % z]
            if core_shift[3] >= 0:
                v3 ^= c[p0 + (i + core_shift[3]) % z]
            c[p0 + z + i] = v1
            c[p0 + 2 * z + i] = v2 ^ v1
            c[p0 + 3 * z + i] = v3
        # Extension rows: parity at column kb + r is the syndrome of everything else in the row.
        for r in range(4, n_rows):
            dst = (kb + r) * z
            for e in range(row_ptr[r], row_ptr[r + 1]):
                col = edge_col[e]
                if col == kb + r:
                    continue
                s = edge_shift[e]
                base = col * z
                for i in range(z):
                    j = i + s
                    if j >= z:
                        j -= z
                    c[dst + i] ^= c[base + j]


@nb.njit(cache=True, nogil=True)
def _syndrome_ok(post, z, row_ptr, edge_col, edge_shift, hard, par):
    """True if the hard decisions of ``post`` (float32 [N], LLR > 0 means 0) satisfy every check."""
    for v in range(post.shape[0]):
        hard[v] = post[v] < 0
    for r in range(row_ptr.shape[0] - 1):
        par[:] = 0
        for e in range(row_ptr[r], row_ptr[r + 1]):
            base = edge_col[e] * z
            s = edge_shift[e]
            # Row z of the circulant touches bit (z + s) % Z: two contiguous runs, no modulo in the loop.
            for i in range(z - s):
                par[i] ^= hard[base + s + i]
            for i in range(z - s, z):
                par[i] ^= hard[base + i - (z - s)]
        for i in range(z):
            if par[i]:
                return False
    return True


@nb.njit(cache=True, nogil=True, fastmath=True)
def decode_layered_nms(llr, z, row_ptr, edge_col, edge_shift, max_iter, alpha, n_out, bits, ok, iters):
    """Layered normalised min-sum decoding of each row of ``llr``; one base-graph row is one layer.

    llr:   float32 [B, N] channel LLRs ln P(0)/P(1) of the lifted codeword (0 for punctured bits, large
           for filler bits), N = (number of columns) * z.
    bits:  uint8 [B, n_out] hard decisions of the first n_out bits (the information bits), written.
    ok:    bool [B], written: all parity checks satisfied at the end.
    iters: int32 [B], written: iterations run (stops early once all checks are satisfied).
    alpha is the min-sum normalisation factor; check-to-variable messages are alpha * min |q| * sign.
    The Z checks of a layer are independent, so every loop over them is a branch-free vector loop.
    """
    n_rows = row_ptr.shape[0] - 1
    n_edges = row_ptr[n_rows]
    max_deg = 0
    for r in range(n_rows):
        max_deg = max(max_deg, row_ptr[r + 1] - row_ptr[r])
    n = llr.shape[1]
    post = np.empty(n, np.float32)
    hard = np.empty(n, np.uint8)
    par = np.empty(z, np.uint8)
    c2v = np.empty((n_edges, z), np.float32)
    q = np.empty((max_deg, z), np.float32)
    min1 = np.empty(z, np.float32)
    min2 = np.empty(z, np.float32)
    arg1 = np.empty(z, np.int32)
    sgn = np.empty(z, np.float32)
    a = np.float32(alpha)
    one = np.float32(1.0)
    for b in range(llr.shape[0]):
        post[:] = llr[b]
        c2v[:, :] = 0.0
        done = False
        it = 0
        while it < max_iter and not done:
            for r in range(n_rows):
                e0 = row_ptr[r]
                deg = row_ptr[r + 1] - e0
                min1[:] = np.inf
                min2[:] = np.inf
                sgn[:] = 1.0
                arg1[:] = 0
                # Variable-to-check messages: posterior minus this check's previous message.
                for d in range(deg):
                    e = e0 + d
                    base = edge_col[e] * z
                    s = edge_shift[e]
                    qd = q[d]
                    ce = c2v[e]
                    for i in range(z - s):
                        qd[i] = post[base + s + i] - ce[i]
                    for i in range(z - s, z):
                        qd[i] = post[base + i - (z - s)] - ce[i]
                    for i in range(z):
                        v = qd[i]
                        m = abs(v)
                        sgn[i] = sgn[i] * (-one if v < 0 else one)
                        min2[i] = min(min2[i], max(min1[i], m))
                        arg1[i] = d if m < min1[i] else arg1[i]
                        min1[i] = min(min1[i], m)
                # Check-to-variable messages and posterior update.
                for d in range(deg):
                    e = e0 + d
                    base = edge_col[e] * z
                    s = edge_shift[e]
                    qd = q[d]
                    ce = c2v[e]
                    for i in range(z):
                        v = qd[i]
                        m = min2[i] if arg1[i] == d else min1[i]
                        msg = a * m * (sgn[i] if v >= 0 else -sgn[i])
                        ce[i] = msg
                        qd[i] = v + msg
                    for i in range(z - s):
                        post[base + s + i] = qd[i]
                    for i in range(z - s, z):
                        post[base + i - (z - s)] = qd[i]
            it += 1
            done = _syndrome_ok(post, z, row_ptr, edge_col, edge_shift, hard, par)
        for v in range(n_out):
            bits[b, v] = 1 if post[v] < 0 else 0
        ok[b] = done
        iters[b] = it

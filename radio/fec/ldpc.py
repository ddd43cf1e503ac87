"""5G NR LDPC codes (3GPP TS 38.212 5.2.2, 5.3.2, 5.4.2): code construction, encoder, decoder.

``LDPC5G(k, n)`` picks the base graph and the lifting size as 38.212 does, appends filler bits, encodes
systematically with the 5G double-diagonal structure, punctures the first 2Z systematic bits and rate
matches to ``n`` bits (circular buffer, redundancy version 0, optional 38.212 bit interleaving). The decoder
is a layered normalised min-sum in numba with early stopping on the parity check.

LLR convention (project-wide): ln P(b=0)/P(b=1), positive means 0.
"""
from __future__ import annotations

import time
from functools import cached_property

import numpy as np

from radio.errors import RadioError
from radio.fec import _ldpc_kernels as kernels
from radio.fec import ldpc_tables
from radio.fec.rate_matching import bit_selection_indices, interleaver_indices

MAX_K = {1: 8448, 2: 3840}  # 38.212 5.2.2: K_cb; longer messages must be segmented by the caller
MAX_RATE = 0.95  # 38.212 5.4.2.1: a UE may skip decoding above 0.95
FILLER_LLR = np.float32(1.0e4)  # filler bits are known zeros
LLR_CLIP = np.float32(1.0e3)  # channel LLRs are clipped so that filler bits stay the most reliable
DEFAULT_ALPHA = 0.7  # min-sum normalisation; see docs/fec.md for the tuning against Sionna's BP decoder

PAPER_CODES = {"6144_4096": (4096, 6144), "8192_4096": (4096, 8192), "6144_2048": (2048, 6144)}


def select_base_graph(k: int, rate: float) -> int:
    """38.212 6.2.2 / 7.2.2 base-graph choice, applied to the k bits the LDPC code carries.

    BG2 if k <= 292, or k <= 3824 and rate <= 0.67, or rate <= 0.25; otherwise BG1.
    """
    if k <= 292 or (k <= 3824 and rate <= 0.67) or rate <= 0.25:
        return 2
    return 1


def select_lifting(k: int, base_graph: int) -> tuple[int, int, int]:
    """38.212 5.3.2: smallest lifting size Z with K_b * Z >= k. Returns (Z, i_LS, K_b).

    K_b is 22 for BG1; for BG2 it is 10, 9, 8 or 6 for k > 640, > 560, > 192, otherwise.
    """
    if base_graph == 1:
        kb = 22
    else:
        kb = 10 if k > 640 else 9 if k > 560 else 8 if k > 192 else 6
    best = None
    for i_ls, zs in enumerate(ldpc_tables.LIFTING_SETS):
        for z in zs:
            if kb * z >= k and (best is None or z < best[0]):
                best = (z, i_ls)
    if best is None:
        raise RadioError(f"LDPC: no lifting size fits k={k} in base graph {base_graph}")
    return best[0], best[1], kb


class LDPC5G:
    """A 5G NR LDPC code with rate matching: ``k`` information bits into ``n`` transmitted bits.

    Parameters: k (1 .. 8448, BG2 only up to 3840), n (> k, k/n <= 0.95; n beyond the circular buffer
    repeats bits), base_graph (1, 2 or None for the 38.212 rule), bits_per_symbol (apply the 38.212
    5.4.2.2 bit interleaver for that modulation order; None: no interleaving), alpha (min-sum
    normalisation factor).
    """

    def __init__(self, k: int, n: int, base_graph: int | None = None, bits_per_symbol: int | None = None,
                 alpha: float = DEFAULT_ALPHA):
        try:
            whole = int(k) == k and int(n) == n
        except (TypeError, ValueError):
            whole = False
        if not whole:
            raise RadioError(f"LDPC: k and n must be integers, got k={k!r}, n={n!r}")
        k, n = int(k), int(n)
        if k < 1 or n <= k:
            raise RadioError(f"LDPC: need 1 <= k < n, got k={k}, n={n}")
        if k / n > MAX_RATE:
            raise RadioError(f"LDPC: rate k/n = {k / n:.3f} exceeds the 5G limit of {MAX_RATE}")
        if k > MAX_K[1]:
            raise RadioError(f"LDPC: k={k} exceeds 8448 (38.212 code block limit); segment the message first")
        bg = select_base_graph(k, k / n) if base_graph is None else base_graph
        if bg not in (1, 2):
            raise RadioError(f"LDPC: base_graph must be 1, 2 or None, got {base_graph!r}")
        if k > MAX_K[bg]:
            raise RadioError(f"LDPC: k={k} exceeds {MAX_K[bg]} for base graph {bg}")
        if bits_per_symbol is not None and (not isinstance(bits_per_symbol, (int, np.integer))
                                            or bits_per_symbol < 1 or n % bits_per_symbol):
            raise RadioError(f"LDPC: n={n} is not a multiple of bits_per_symbol={bits_per_symbol}")
        if not isinstance(alpha, (int, float)) or not 0.0 < alpha <= 1.0:
            raise RadioError(f"LDPC: min-sum normalisation alpha must be in (0, 1], got {alpha}")
        self.k, self.n, self.base_graph, self.alpha = k, n, bg, float(alpha)
        self.z, self.i_ls, _ = select_lifting(k, bg)
        rows_bg, cols_bg = ldpc_tables.BG1_SHAPE if bg == 1 else ldpc_tables.BG2_SHAPE
        self.n_sys_cols = cols_bg - rows_bg  # 22 or 10 systematic columns
        self.k_sys = self.n_sys_cols * self.z  # K: information plus filler bits
        self.n_filler = self.k_sys - k
        self.n_lifted = cols_bg * self.z
        self.tx_index = bit_selection_indices(self.n_lifted, self.z, k, self.k_sys, n)
        self._repeats = np.unique(self.tx_index).size < n
        # Rows whose parity column carries no transmitted bit add nothing to decoding: leave them out.
        last_col = int(self.tx_index.max()) // self.z
        self.n_rows = min(rows_bg, max(4, last_col - self.n_sys_cols + 1))
        self.n_cols = self.n_sys_cols + self.n_rows
        self._row_ptr, self._edge_col, self._edge_shift = self._edges(self.n_rows)
        self.bits_per_symbol = bits_per_symbol
        self._perm = None if bits_per_symbol is None else interleaver_indices(n, int(bits_per_symbol))

    def __repr__(self) -> str:
        return (f"LDPC5G(k={self.k}, n={self.n}, base_graph={self.base_graph}, Z={self.z}, i_LS={self.i_ls}, "
                f"fillers={self.n_filler}, layers={self.n_rows})")

    @property
    def rate(self) -> float:
        return self.k / self.n

    def _edges(self, n_rows: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """CSR edge list of base-graph rows 0..n_rows-1 with shifts V mod Z for this code's i_LS."""
        rows = ldpc_tables.BG1_ROWS if self.base_graph == 1 else ldpc_tables.BG2_ROWS
        ptr, cols, shifts = [0], [], []
        for r in range(n_rows):
            for col, v in rows[r]:
                cols.append(col)
                shifts.append(v[self.i_ls] % self.z)
            ptr.append(len(cols))
        return np.array(ptr, np.int64), np.array(cols, np.int64), np.array(shifts, np.int64)

    @cached_property
    def pcm(self):
        """The full lifted parity-check matrix (all base-graph rows), scipy.sparse.csr_matrix of uint8."""
        import scipy.sparse as sp

        rows_bg = (ldpc_tables.BG1_SHAPE if self.base_graph == 1 else ldpc_tables.BG2_SHAPE)[0]
        ptr, cols, shifts = self._edges(rows_bg)
        z = self.z
        r_idx, c_idx = [], []
        i = np.arange(z)
        for r in range(rows_bg):
            for e in range(ptr[r], ptr[r + 1]):
                r_idx.append(r * z + i)
                c_idx.append(cols[e] * z + (i + shifts[e]) % z)
        r_idx, c_idx = np.concatenate(r_idx), np.concatenate(c_idx)
        ones = np.ones(r_idx.size, np.uint8)
        return sp.csr_matrix((ones, (r_idx, c_idx)), shape=(rows_bg * z, self.n_lifted))

    def encode_lifted(self, bits) -> np.ndarray:
        """Information bits uint8 [..., k] -> the lifted codeword uint8 [..., n_cols * Z] before rate matching
        (fillers zero, parity of the base-graph rows the transmission uses)."""
        u = self._check_bits(bits)
        lead = u.shape[:-1]
        u = u.reshape(int(np.prod(lead)), self.k)
        info = np.zeros((u.shape[0], self.k_sys), np.uint8)
        info[:, : self.k] = u
        out = np.empty((u.shape[0], self.n_cols * self.z), np.uint8)
        kernels.encode_lifted(info, self.n_sys_cols, self.z, self._row_ptr, self._edge_col, self._edge_shift,
                              out)
        return out.reshape(*lead, out.shape[-1])

    def encode(self, bits) -> np.ndarray:
        """Information bits uint8 [..., k] (values 0/1) -> transmitted codeword bits uint8 [..., n]."""
        c = self.encode_lifted(bits)[..., self.tx_index]
        return c if self._perm is None else c[..., self._perm]

    def decode(self, llr, max_iter: int = 20, return_iterations: bool = False):
        """Channel LLRs float32 [..., n] (ln P(0)/P(1)) -> (bits uint8 [..., k], ok bool [...]).

        ok is True where the decoded word satisfies every parity check (early stopping uses the same test).
        NaN LLRs count as erasures (0); infinities are clipped. With return_iterations=True a third array
        int32 [...] gives the iterations each word took.
        """
        x = np.asarray(llr, dtype=np.float32)
        if x.ndim == 0 or x.shape[-1] != self.n:
            raise RadioError(f"LDPC decode: expected LLRs with last dimension n={self.n}, got shape {x.shape}")
        if int(max_iter) < 1:
            raise RadioError(f"LDPC decode: max_iter must be >= 1, got {max_iter}")
        lead = x.shape[:-1]
        x = x.reshape(int(np.prod(lead)), self.n)
        if self._perm is not None:  # undo the bit interleaver: f = e[perm]
            e = np.empty_like(x)
            e[:, self._perm] = x
            x = e
        full = np.zeros((x.shape[0], self.n_cols * self.z), np.float32)
        if self._repeats:
            np.add.at(full, (slice(None), self.tx_index), x)  # repeated bits: LLRs add
        else:
            full[:, self.tx_index] = x
        np.nan_to_num(full, copy=False, nan=0.0, posinf=LLR_CLIP, neginf=-LLR_CLIP)
        np.clip(full, -LLR_CLIP, LLR_CLIP, out=full)
        full[:, self.k : self.k_sys] = FILLER_LLR
        bits = np.empty((x.shape[0], self.k), np.uint8)
        ok = np.empty(x.shape[0], np.bool_)
        iters = np.empty(x.shape[0], np.int32)
        kernels.decode_layered_nms(full, self.z, self._row_ptr, self._edge_col, self._edge_shift,
                                   int(max_iter), self.alpha, self.k, bits, ok, iters)
        out = (bits.reshape(*lead, self.k), ok.reshape(lead))
        return (*out, iters.reshape(lead)) if return_iterations else out

    def _check_bits(self, bits) -> np.ndarray:
        b = np.asarray(bits)
        if b.ndim == 0 or b.shape[-1] != self.k:
            raise RadioError(f"LDPC encode: expected bits with last dimension k={self.k}, got shape {b.shape}")
        u = b.astype(np.uint8)
        if b.dtype != np.uint8 and not np.array_equal(u, b) or (u.size and u.max() > 1):
            raise RadioError("LDPC encode: bits must be 0 or 1")
        return u


def paper_code(name: str, **kwargs) -> LDPC5G:
    """The paper's baseline codes by name (n_k): "6144_4096", "8192_4096", "6144_2048"."""
    if name not in PAPER_CODES:
        raise RadioError(f"unknown LDPC code {name!r}; known: {', '.join(PAPER_CODES)}")
    k, n = PAPER_CODES[name]
    return LDPC5G(k, n, **kwargs)


def ldpc_decode_throughput_mbps(code: str | LDPC5G = "6144_4096", snr_db: float = 2.0, seconds: float = 1.0,
                                **kwargs) -> float:
    """Information Mbit/s per CPU second of one core through ``decode``; see ldpc_decode_benchmark."""
    return ldpc_decode_benchmark(code, snr_db, seconds, **kwargs)["mbps"]


def ldpc_decode_benchmark(code: str | LDPC5G = "6144_4096", snr_db: float = 2.0, seconds: float = 1.0,
                          max_iter: int = 20, batch: int = 16, seed: int = 0) -> dict:
    """Decoding speed on one core: information bits per CPU second of the calling thread through ``decode``
    (thread CPU time, so other processes on a shared machine do not dilute the figure).

    Random codewords, BPSK (0 -> +1) over complex AWGN at Es/N0 = snr_db (LLR = 4 y Es/N0), decoded in
    batches of ``batch`` until ``seconds`` have passed (after one warm-up batch that also compiles).
    Returns {"mbps", "frames", "bler", "mean_iterations", "code", "snr_db", "max_iter"}.
    """
    ldpc = paper_code(code) if isinstance(code, str) else code
    rng = np.random.default_rng(seed)
    es_n0 = 10.0 ** (snr_db / 10.0)

    def batch_llr():
        u = rng.integers(0, 2, (batch, ldpc.k), dtype=np.uint8)
        x = 1.0 - 2.0 * ldpc.encode(u).astype(np.float32)
        y = x + rng.normal(0.0, np.sqrt(0.5 / es_n0), x.shape).astype(np.float32)
        return u, (4.0 * es_n0 * y).astype(np.float32)

    u, llr = batch_llr()
    ldpc.decode(llr, max_iter)  # warm-up (numba compile or cache load)
    frames = errors = iter_sum = 0
    busy = 0.0
    while busy < seconds:
        u, llr = batch_llr()
        t0 = time.thread_time()
        bits, _, iters = ldpc.decode(llr, max_iter, return_iterations=True)
        busy += time.thread_time() - t0
        frames += batch
        errors += int(np.any(bits != u, axis=1).sum())
        iter_sum += int(iters.sum())
    return {"mbps": frames * ldpc.k / busy / 1e6, "frames": frames, "bler": errors / frames,
            "mean_iterations": iter_sum / frames, "code": f"({ldpc.n},{ldpc.k})", "snr_db": float(snr_db),
            "max_iter": int(max_iter)}

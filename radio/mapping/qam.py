"""QAM mapping with the 3GPP TS 38.211 5.1 bit labelling, and soft demapping to LLRs.

Constellations (unit average energy):
    BPSK    d = (1-2b0)(1+j)/sqrt(2)                                                      (5.1.2)
    QPSK    d = [(1-2b0) + j(1-2b1)]/sqrt(2)                                              (5.1.3)
    16-QAM  d = [(1-2b0)(2-(1-2b2)) + j(1-2b1)(2-(1-2b3))]/sqrt(10)                       (5.1.4)
    64-QAM  d = [(1-2b0)(4-(1-2b2)(2-(1-2b4))) + j(...b1, b3, b5)]/sqrt(42)               (5.1.5)
    256-QAM d = [(1-2b0)(8-(1-2b2)(4-(1-2b4)(2-(1-2b6)))) + j(...b1, b3, b5, b7)]/sqrt(170)  (5.1.6)
i.e. Gray-labelled PAM on each axis, even bits on I, odd bits on Q.

Demapping is per axis (the labelling is separable): complex noise of variance N0 puts N0/2 on each axis, and
the LLR of bit j is ln sum_{a: b_j=0} exp(-(y-a)^2/N0) - ln sum_{a: b_j=1} exp(-(y-a)^2/N0) -- the exact
a-posteriori LLR ("app", default: it is what the LDPC decoder's BLER was validated with) or its max-log
approximation ("maxlog"). LLR convention: ln P(b=0)/P(b=1), positive means 0.
"""
from __future__ import annotations

import numpy as np

from radio.errors import RadioError

NAMES = {1: "BPSK", 2: "QPSK", 4: "16-QAM", 6: "64-QAM", 8: "256-QAM"}
_MIN_NOISE_VAR = 1e-9  # keeps LLRs finite for a noiseless channel


def pam_levels(bits_per_axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Unnormalised 38.211 amplitudes of all 2^m labels of one axis.

    Returns (amplitudes float64 [2^m], labels uint8 [2^m, m]) where labels[i] are the axis bits
    (c0, ..., c_{m-1}) = (b0, b2, ...) for I. A_{m-1} = 1-2c_{m-1}; A_j = (1-2c_j)(2^{m-1-j} - A_{j+1}).
    """
    m = bits_per_axis
    labels = ((np.arange(2 ** m)[:, None] >> np.arange(m - 1, -1, -1)) & 1).astype(np.uint8)
    s = 1.0 - 2.0 * labels
    amp = s[:, m - 1].copy()
    for j in range(m - 2, -1, -1):
        amp = s[:, j] * (2.0 ** (m - 1 - j) - amp)
    return amp, labels


class QAM:
    """BPSK (1), QPSK (2), 16-QAM (4), 64-QAM (6) or 256-QAM (8) with 38.211 labelling, unit average power."""

    def __init__(self, bits_per_symbol: int, method: str = "app"):
        if bits_per_symbol not in NAMES:
            raise RadioError(f"QAM: bits_per_symbol must be one of {sorted(NAMES)}, got {bits_per_symbol!r}")
        if method not in ("app", "maxlog"):
            raise RadioError(f"QAM: demapping method must be 'app' or 'maxlog', got {method!r}")
        self.bits_per_symbol = int(bits_per_symbol)
        self.method = method
        m = max(1, self.bits_per_symbol // 2)  # BPSK puts its one bit on both axes
        amp, labels = pam_levels(m)
        scale = np.sqrt(1.0 / 2.0) if self.bits_per_symbol <= 2 else np.sqrt(3.0 / (2.0 * (4 ** m - 1)))
        self._amp = (amp * scale).astype(np.float32)  # per-axis levels, unit average power overall
        self._labels = labels
        self._axis_bits = m
        # Bit weights of one axis: index = sum c_j 2^(m-1-j), matching the labels above.
        self._weights = (1 << np.arange(m - 1, -1, -1)).astype(np.int64)

    @property
    def name(self) -> str:
        return NAMES[self.bits_per_symbol]

    @property
    def constellation(self) -> np.ndarray:
        """complex64 [2^bits_per_symbol]: point of label index i, whose bits b0..b_{Q-1} are i MSB first."""
        q = self.bits_per_symbol
        bits = ((np.arange(2 ** q)[:, None] >> np.arange(q - 1, -1, -1)) & 1).astype(np.uint8)
        return self.map(bits).reshape(-1)

    def map(self, bits) -> np.ndarray:
        """Bits uint8 [..., Q*K] (0/1, b0 first per symbol) -> symbols complex64 [..., K]."""
        b = np.asarray(bits)
        q = self.bits_per_symbol
        if b.ndim == 0 or b.shape[-1] % q:
            size = b.shape[-1] if b.ndim else 0
            raise RadioError(f"QAM map: last dimension {size} is not a multiple of {q}")
        u = b.astype(np.uint8)
        if u.size and (u.max() > 1 or (b.dtype != np.uint8 and not np.array_equal(u, b))):
            raise RadioError("QAM map: bits must be 0 or 1")
        u = u.reshape(*b.shape[:-1], -1, q).astype(np.int64)
        if q == 1:
            a = self._amp[u[..., 0]]  # level of label 0 is positive
            return (a + 1j * a).astype(np.complex64)
        re = self._amp[u[..., 0::2] @ self._weights]
        im = self._amp[u[..., 1::2] @ self._weights]
        return (re + 1j * im).astype(np.complex64)

    def demap(self, symbols, noise_var) -> np.ndarray:
        """Symbols complex [..., K] and complex noise variance N0 (scalar or broadcastable to [..., K], e.g.
        the receiver's per-symbol map) -> LLRs float32 [..., Q*K], ln P(b=0)/P(b=1), b0 first per symbol."""
        y = np.asarray(symbols)
        n0 = np.asarray(noise_var, dtype=np.float64)
        if y.ndim == 0:
            raise RadioError("QAM demap: symbols must be an array [..., K]")
        if np.any(n0 < 0):
            raise RadioError("QAM demap: noise variance must be non-negative")
        try:
            n0 = np.broadcast_to(np.maximum(n0, _MIN_NOISE_VAR), y.shape)
        except ValueError:
            raise RadioError(f"QAM demap: noise_var shape {n0.shape} does not fit symbols {y.shape}") from None
        q = self.bits_per_symbol
        if q == 1:
            r = (y.real + y.imag) * np.float64(self._amp[0])  # project onto (1+j)/sqrt(2): unit-energy axis
            return (4.0 * r / n0).astype(np.float32).reshape(*y.shape[:-1], -1)
        out = np.empty((*y.shape, q), np.float32)
        out[..., 0::2] = self._axis_llr(y.real, n0)
        out[..., 1::2] = self._axis_llr(y.imag, n0)
        return out.reshape(*y.shape[:-1], -1)

    def _axis_llr(self, y: np.ndarray, n0: np.ndarray) -> np.ndarray:
        """LLRs [..., m] of the bits of one axis from its samples y [...] at complex noise variance n0."""
        metric = -((y[..., None].astype(np.float64) - self._amp) ** 2) / n0[..., None]  # [..., 2^m]
        out = np.empty((*y.shape, self._axis_bits), np.float64)
        for j in range(self._axis_bits):
            zero = self._labels[:, j] == 0
            if self.method == "maxlog":
                out[..., j] = metric[..., zero].max(-1) - metric[..., ~zero].max(-1)
            else:
                out[..., j] = _logsumexp(metric[..., zero]) - _logsumexp(metric[..., ~zero])
        return out


def _logsumexp(x: np.ndarray) -> np.ndarray:
    m = x.max(-1)
    return m + np.log(np.exp(x - m[..., None]).sum(-1))

"""5G NR LDPC: code construction and encoder, checked against the standard's rules and against Sionna."""
import pathlib
import subprocess
import sys
import warnings

import numpy as np
import pytest

from foundation.errors import ProjectError
from radio.fec import ldpc_tables
from radio.fec.ldpc import LDPC5G, PAPER_CODES, paper_code, select_base_graph, select_lifting
from radio.fec.rate_matching import interleaver_indices

# (k, n) pairs covering both base graphs, fillers, K_b = 6/8/9/10 in BG2, the largest BG1 block,
# high and low rates, and repetition past the circular buffer is tested separately (Sionna has none).
CODES = [(4096, 6144), (4096, 8192), (2048, 6144), (100, 300), (200, 420), (600, 1500), (1000, 1100),
         (8448, 12672), (3840, 4800), (12, 40), (5000, 5300)]


def _bits(shape, seed=0):
    return np.random.default_rng(seed).integers(0, 2, shape, dtype=np.uint8)


def test_tables_have_the_standard_shape():
    for rows, shape, count in ((ldpc_tables.BG1_ROWS, (46, 68), 316), (ldpc_tables.BG2_ROWS, (42, 52), 197)):
        assert len(rows) == shape[0]
        assert sum(len(r) for r in rows) == count
        assert max(c for r in rows for c, _ in r) == shape[1] - 1


def test_base_graph_and_lifting_selection_follow_38212():
    assert select_base_graph(292, 0.9) == 2 and select_base_graph(293, 0.9) == 1
    assert select_base_graph(3824, 0.67) == 2 and select_base_graph(3825, 0.67) == 1
    assert select_base_graph(8000, 0.25) == 2 and select_base_graph(8000, 0.26) == 1
    assert select_lifting(8448, 1) == (384, 1, 22)
    assert select_lifting(4096, 1) == (192, 1, 22)  # 22*176 = 3872 < 4096 <= 22*192
    assert select_lifting(2048, 2) == (208, 6, 10)
    assert [select_lifting(k, 2)[2] for k in (700, 600, 500, 100)] == [10, 9, 8, 6]
    # Every paper code is (k, n) = (information, transmitted).
    for name, (k, n) in PAPER_CODES.items():
        c = paper_code(name)
        assert (c.k, c.n) == (k, n) and name == f"{n}_{k}"
    assert paper_code("8192_4096").base_graph == 1 and paper_code("6144_2048").base_graph == 2


@pytest.mark.parametrize("k,n", CODES)
def test_codewords_satisfy_every_parity_check(k, n):
    code = LDPC5G(k, n)
    u = _bits((4, k), seed=k)
    c = code.encode_lifted(u)
    assert np.array_equal(c[:, :k], u) and not c[:, k:code.k_sys].any()  # systematic, zero fillers
    h = code.pcm[: code.n_rows * code.z, : code.n_cols * code.z]
    assert not (h @ c.T.astype(np.int64) % 2).any()
    x = code.encode(u)
    assert x.shape == (4, n) and x.dtype == np.uint8
    assert np.array_equal(x[:, : k - 2 * code.z], u[:, 2 * code.z:])  # first 2Z punctured, then systematic


def test_repetition_past_the_circular_buffer():
    code = LDPC5G(100, 2000)  # BG2 buffer holds 50*Z - fillers < 2000 bits
    u = _bits((2, 100), seed=1)
    x = code.encode(u)
    period = code.n_cols * code.z - 2 * code.z - code.n_filler
    assert period < 2000 and np.array_equal(x[:, period:2 * period], x[:, :period])
    bits, ok = code.decode(np.where(x == 0, 1.0, -1.0).astype(np.float32) * 0.3)
    assert ok.all() and np.array_equal(bits, u)


def test_interleaver_is_38212_5422():
    perm = interleaver_indices(12, 4)  # E=12, Qm=4: f = e0 e3 e6 e9 e1 e4 e7 e10 e2 e5 e8 e11
    assert perm.tolist() == [0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11]
    plain, inter = LDPC5G(500, 1000), LDPC5G(500, 1000, bits_per_symbol=4)
    u = _bits((3, 500))
    assert np.array_equal(inter.encode(u), plain.encode(u)[:, interleaver_indices(1000, 4)])


@pytest.mark.parametrize("bad", [dict(k=0, n=10), dict(k=100, n=100), dict(k=100, n=101),
                                 dict(k=9000, n=20000), dict(k=4000, n=20000, base_graph=2),
                                 dict(k=100, n=300, base_graph=3),
                                 dict(k=100, n=301, bits_per_symbol=2), dict(k=10.5, n=30),
                                 dict(k="x", n=30), dict(k=100, n=300, alpha=1.5)])
def test_bad_parameters_are_one_line_errors(bad):
    with pytest.raises(ProjectError) as err:
        LDPC5G(**bad)
    assert "\n" not in str(err.value)


def test_bad_inputs_are_one_line_errors():
    code = LDPC5G(100, 300)
    with pytest.raises(ProjectError):
        code.encode(np.zeros((2, 99), np.uint8))
    with pytest.raises(ProjectError):
        code.encode(np.full((2, 100), 2, np.uint8))
    with pytest.raises(ProjectError):
        code.decode(np.zeros((2, 299), np.float32))
    with pytest.raises(ProjectError):
        paper_code("1_2")


# ---------------------------------------------------------------- against Sionna (optional dependency)

def _sionna_encoder(k, n, **kw):
    ldpc = pytest.importorskip("sionna.phy.fec.ldpc")
    with warnings.catch_warnings():  # Sionna warns above rate 948/1024, which 38.212 allows up to 0.95
        warnings.simplefilter("ignore", UserWarning)
        return ldpc.LDPC5GEncoder(k, n, **kw)


def test_committed_tables_are_what_the_generator_writes_from_sionna():
    pytest.importorskip("sionna")
    script = pathlib.Path(__file__).resolve().parents[1] / "scripts" / "make_ldpc_tables.py"
    done = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_lifted_parity_check_matrices_equal_sionna_for_every_set_index():
    # For each base graph and each i_LS, a k that selects exactly that set's lifting size.
    cases = [(1, z, 22 * z - 3) for z in (64, 96, 80, 56, 72, 88, 104, 60)]
    cases += [(2, z, 10 * z - 3) for z in (128, 96, 80, 112, 72, 88, 104, 120)]
    for i, (bg, z, k) in enumerate(cases):
        ours = LDPC5G(k, 2 * k, base_graph=bg)
        assert ours.z == z and ours.i_ls == i % 8
        theirs = _sionna_encoder(k, 2 * k, bg=f"bg{bg}")
        assert theirs.z == z
        diff = ours.pcm.astype(np.int8) - theirs.pcm.astype(np.int8)
        assert diff.count_nonzero() == 0, (bg, z)


@pytest.mark.parametrize("k,n", CODES)
def test_codewords_equal_sionna(k, n):
    torch = pytest.importorskip("torch")
    enc = _sionna_encoder(k, n)
    code = LDPC5G(k, n)
    assert code.base_graph == int(enc._bg[-1]) and code.z == enc.z
    u = _bits((8, k), seed=n)
    ref = enc(torch.tensor(u, dtype=torch.float32)).numpy().astype(np.uint8)
    assert np.array_equal(code.encode(u), ref)


def test_interleaved_codewords_equal_sionna():
    torch = pytest.importorskip("torch")
    enc = _sionna_encoder(4096, 6144, num_bits_per_symbol=4)
    u = _bits((4, 4096), seed=3)
    ref = enc(torch.tensor(u, dtype=torch.float32)).numpy().astype(np.uint8)
    assert np.array_equal(LDPC5G(4096, 6144, bits_per_symbol=4).encode(u), ref)


def test_redundancy_version_starts_equal_sionna():
    from radio.fec.rate_matching import k0_position

    for k, n in ((4096, 6144), (2048, 6144), (100, 300)):
        enc = _sionna_encoder(k, n)
        code = LDPC5G(k, n)
        n_cb = code.n_lifted - 2 * code.z
        assert [k0_position(code.base_graph, n_cb, code.z, rv) for rv in range(4)] == list(enc.rv_starts)

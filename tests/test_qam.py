"""QAM mapping (3GPP TS 38.211 5.1 labelling) and soft demapping, checked against the formulas and Sionna."""
import numpy as np
import pytest

from foundation.errors import ProjectError
from radio.mapping.qam import QAM


def _all_labels(q):
    return ((np.arange(2 ** q)[:, None] >> np.arange(q - 1, -1, -1)) & 1).astype(np.uint8)


def _formula_38211(b):
    """38.211 5.1.2-5.1.6 written out literally, b: int [2^q, q]."""
    s = 1 - 2 * b.astype(float)
    q = b.shape[1]
    if q == 1:
        return s[:, 0] * (1 + 1j) / np.sqrt(2)
    if q == 2:
        return (s[:, 0] + 1j * s[:, 1]) / np.sqrt(2)
    if q == 4:
        return (s[:, 0] * (2 - s[:, 2]) + 1j * s[:, 1] * (2 - s[:, 3])) / np.sqrt(10)
    if q == 6:
        return (s[:, 0] * (4 - s[:, 2] * (2 - s[:, 4]))
                + 1j * s[:, 1] * (4 - s[:, 3] * (2 - s[:, 5]))) / np.sqrt(42)
    return (s[:, 0] * (8 - s[:, 2] * (4 - s[:, 4] * (2 - s[:, 6])))
            + 1j * s[:, 1] * (8 - s[:, 3] * (4 - s[:, 5] * (2 - s[:, 7])))) / np.sqrt(170)


@pytest.mark.parametrize("q", [1, 2, 4, 6, 8])
def test_labelling_is_38211_with_unit_power_and_gray(q):
    qam = QAM(q)
    pts = qam.constellation
    assert np.allclose(pts, _formula_38211(_all_labels(q)), atol=1e-6)
    assert abs(np.mean(np.abs(pts) ** 2) - 1.0) < 1e-6
    if q >= 2:  # Gray: nearest neighbours differ in exactly one bit
        d = np.abs(pts[:, None] - pts[None, :])
        dmin = d[d > 1e-6].min()
        labels = _all_labels(q)
        for i, j in zip(*np.nonzero(np.abs(d - dmin) < 1e-5)):
            assert np.sum(labels[i] != labels[j]) == 1


@pytest.mark.parametrize("q", [2, 4, 6, 8])
def test_mapper_equals_sionna(q):
    torch = pytest.importorskip("torch")
    Mapper = pytest.importorskip("sionna.phy.mapping").Mapper

    bits = np.random.default_rng(q).integers(0, 2, (3, 60 * q), dtype=np.uint8)
    ref = Mapper("qam", q)(torch.tensor(bits, dtype=torch.float32)).numpy()
    assert np.allclose(QAM(q).map(bits), ref, atol=1e-6)


@pytest.mark.parametrize("method", ["app", "maxlog"])
@pytest.mark.parametrize("q", [2, 4, 6])
def test_demapper_equals_sionna(q, method):
    torch = pytest.importorskip("torch")
    Demapper = pytest.importorskip("sionna.phy.mapping").Demapper

    rng = np.random.default_rng(10 + q)
    qam = QAM(q, method)
    bits = rng.integers(0, 2, (2, 200 * q), dtype=np.uint8)
    x = qam.map(bits)
    n0 = rng.uniform(0.05, 0.5, x.shape)  # a per-symbol noise-variance map, as the receiver reports
    noise = np.sqrt(n0 / 2) * (rng.normal(size=x.shape) + 1j * rng.normal(size=x.shape))
    y = (x + noise).astype(np.complex64)
    ref = Demapper(method, "qam", q)(torch.from_numpy(y), torch.tensor(n0, dtype=torch.float32)).numpy()
    ours = qam.demap(y, n0)
    assert ours.shape == bits.shape and ours.dtype == np.float32
    assert np.allclose(ours, -ref, rtol=1e-3, atol=1e-3 * np.abs(ref).max())  # Sionna gives ln P(1)/P(0)


def test_bpsk_llr_and_hard_decisions():
    rng = np.random.default_rng(0)
    qam = QAM(1)
    bits = rng.integers(0, 2, (1000,), dtype=np.uint8)
    x = qam.map(bits)
    assert np.allclose(np.abs(x), 1.0)
    n0 = 0.1
    y = x + np.sqrt(n0 / 2) * (rng.normal(size=x.shape) + 1j * rng.normal(size=x.shape))
    llr = qam.demap(y, n0)
    # Exact: the LLR of antipodal +-1 on the (1+j)/sqrt(2) axis with noise N0/2 there is 4 r / N0.
    r = np.real(y * (1 - 1j) / np.sqrt(2))
    assert np.allclose(llr, 4 * r / n0, rtol=1e-5)
    assert np.array_equal((llr < 0).astype(np.uint8), bits)


@pytest.mark.parametrize("q", [1, 2, 4, 6, 8])
def test_noiseless_round_trip_and_llr_sign(q):
    qam = QAM(q)
    bits = np.random.default_rng(q).integers(0, 2, (4, 50 * q), dtype=np.uint8)
    llr = qam.demap(qam.map(bits), 0.0)
    assert np.all(np.isfinite(llr)) and np.array_equal((llr < 0).astype(np.uint8), bits)


def test_maxlog_is_close_to_exact_at_high_snr():
    rng = np.random.default_rng(1)
    bits = rng.integers(0, 2, 6000, dtype=np.uint8)
    y = QAM(6).map(bits) + 0.02 * (rng.normal(size=1000) + 1j * rng.normal(size=1000))
    a, m = QAM(6, "app").demap(y, 0.0008), QAM(6, "maxlog").demap(y, 0.0008)
    assert np.median(np.abs(a - m) / np.abs(a)) < 1e-3


def test_bad_input_is_one_line_error():
    with pytest.raises(ProjectError):
        QAM(3)
    with pytest.raises(ProjectError):
        QAM(2, "exact")
    with pytest.raises(ProjectError):
        QAM(4).map(np.zeros(6, np.uint8))
    with pytest.raises(ProjectError):
        QAM(2).map(np.full(4, 3))
    with pytest.raises(ProjectError):
        QAM(2).demap(np.zeros(4, np.complex64), -1.0)
    with pytest.raises(ProjectError):
        QAM(2).demap(np.zeros(4, np.complex64), np.ones(3))

"""Differentiable channels, power normalisation, entropy-model and layer properties."""

import pytest
import torch

from dvst.codec.entropy import FactorizedDensity, laplace_likelihood
from dvst.codec.layers import MaskedConv2d, SwinBlock
from dvst.codec.symbol_channel import normalise_power, transmit


def _symbols(n=20000, seed=0):
    g = torch.Generator().manual_seed(seed)
    s = torch.randn(2, n, 2, generator=g) * 3
    mask = torch.rand(2, n, generator=g) < 0.7
    return normalise_power(s, mask), mask


def test_power_is_normalised_over_the_symbols_sent():
    s, mask = _symbols()
    p = (s * s).sum(-1)
    assert torch.all(p[~mask] == 0)
    for b in range(2):
        assert p[b][mask[b]].mean().item() == pytest.approx(1.0, rel=1e-5)


@pytest.mark.parametrize("snr_db", [0.0, 10.0])
def test_awgn_noise_variance(snr_db):
    s, mask = _symbols()
    g = torch.Generator().manual_seed(1)
    r, nv = transmit(s, mask, snr_db, "awgn", g)
    err = ((r - s) ** 2).sum(-1)[mask]
    sigma2 = 10 ** (-snr_db / 10)
    assert err.mean().item() == pytest.approx(sigma2, rel=0.05)
    assert torch.allclose(nv[mask], torch.full_like(nv[mask], sigma2))
    assert torch.all(r[~mask] == 0)


def test_rayleigh_equalised_noise_is_sigma2_over_h2():
    s, mask = _symbols(50000)
    r, nv = transmit(s, mask, 10.0, "rayleigh", torch.Generator().manual_seed(2))
    err = ((r - s) ** 2).sum(-1)[mask]
    # normalised errors are unit-variance complex Gaussians: E[|n/h|² / nv] = 1
    assert (err / nv[mask]).mean().item() == pytest.approx(1.0, rel=0.05)
    assert nv[mask].median().item() > 0.1           # heavy-tailed: median σ²/|h|² = σ²/ln 2


def test_channel_is_seeded_and_differentiable():
    s, mask = _symbols(100)
    s = s.clone().requires_grad_(True)
    a, _ = transmit(s, mask, 5.0, "awgn", torch.Generator().manual_seed(3))
    b, _ = transmit(s, mask, 5.0, "awgn", torch.Generator().manual_seed(3))
    assert torch.equal(a, b)
    a.sum().backward()
    assert torch.equal(s.grad, mask.float().unsqueeze(-1).expand_as(s))
    r, nv = transmit(s, mask, 5.0, "none")
    assert torch.equal(r, s * mask.unsqueeze(-1)) and float(nv.sum()) == 0


def test_densities_sum_to_one_over_integers():
    ys = torch.arange(-60, 61, dtype=torch.float32).view(1, 1, -1, 1)
    p = laplace_likelihood(ys, torch.tensor(0.3), torch.tensor(4.0))
    assert p.sum().item() == pytest.approx(1.0, abs=1e-4)
    dens = FactorizedDensity(3)
    z = torch.arange(-400, 401, dtype=torch.float32).view(1, 1, -1, 1).expand(1, 3, -1, 1)
    assert torch.allclose(dens.likelihood(z).sum(2), torch.ones(1, 3, 1), atol=1e-3)


def test_masked_conv_is_causal():
    conv = MaskedConv2d(1, 1, 5)
    x = torch.zeros(1, 1, 7, 7)
    base = conv(x)
    x[0, 0, 3, 3] = 1.0                              # changes only outputs after (3, 3) in raster order
    diff = (conv(x) - base)[0, 0].abs() > 0
    before = torch.zeros(7, 7, dtype=torch.bool)
    before.view(-1)[: 3 * 7 + 4] = True
    assert not (diff & before).any()


@pytest.mark.parametrize("hw", [(3, 5), (8, 13), (16, 16)])
def test_swin_block_any_map_size(hw):
    blk = SwinBlock(32, 4, 16, shifted=True)
    x = torch.randn(2, *hw, 32)
    assert blk(x).shape == x.shape
    blk8 = SwinBlock(32, 4, 4, shifted=True)
    assert blk8(x).shape == x.shape

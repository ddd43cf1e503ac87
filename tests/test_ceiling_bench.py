"""``dvst bench ceiling``: the transform pair, the rounded latent and the JSCC's own error of an
I-frame, measured in one pass (an untrained small model on a synthetic image: the figures are
consistent with each other, not good)."""

import numpy as np
import pytest


def test_ceiling_parts_are_consistent():
    from dvst.bench.ceiling import measure_ceiling
    from dvst.link.codec import load_codec

    model = load_codec("small", seed=0).model.eval()
    rng = np.random.default_rng(0)
    img = np.clip(rng.normal(128, 40, (70, 100, 3)), 0, 255).astype(np.uint8)
    c = measure_ceiling(model, img, "noise", etas=(0.1, 0.4), snrs=(0.0, 20.0))
    assert np.isfinite(c.transform_db) and np.isfinite(c.transform_rounded_db)
    assert [(p.eta, p.snr_db) for p in c.points] == [(0.1, 0.0), (0.1, 20.0), (0.4, 0.0), (0.4, 20.0)]
    cbr = {p.eta: p.analog_cbr for p in c.points}
    assert 0 < cbr[0.1] <= cbr[0.4]                       # more η, at least as many symbols
    assert c.latent_bpp > 0
    for p in c.points:                                    # Shannon: CBR·3·log2(1 + SNR)
        assert p.capacity_bpp == pytest.approx(p.analog_cbr * 3 * np.log2(1 + 10 ** (p.snr_db / 10)))
    values = [v for v in model.iframe.link.values if v > 0]
    assert [(p.symbols, p.snr_db) for p in c.fixed] == [(v, s) for v in values for s in (0.0, 20.0)]
    per_symbol = {p.analog_cbr / p.symbols for p in c.fixed}   # every patch at v: CBR ∝ v
    assert max(per_symbol) == pytest.approx(min(per_symbol))
    assert all(np.isfinite(p.psnr_db) for p in c.fixed)
    again = measure_ceiling(model, img, "noise", etas=(0.1, 0.4), snrs=(0.0, 20.0))
    assert again == c                                     # seeded channel: reproducible


def test_ceiling_bench_refuses_bad_flags(tmp_path):
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "dvst.cli", "bench", "ceiling", "demo", "--eta", "x"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1


pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

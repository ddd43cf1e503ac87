"""The model zoo: every listed model loads, the figures are plausible, CBR picking works."""

import json

import pytest

from dvst.zoo import ZOO_DIR, default_name, eta_for_cbr, get_entry, list_models, load_model, pick_for_cbr
from foundation.errors import ProjectError

MODELS = list_models()


def test_registry_and_budget():
    assert len([e for e in MODELS if e.metric == "mse"]) >= 3, "a λ ladder of at least three PSNR models"
    total = sum(p.stat().st_size for p in (ZOO_DIR / "weights").glob("*.pt"))
    assert total <= 30e6
    assert get_entry(default_name()).metric == "mse"
    with pytest.raises(ProjectError, match="unknown model"):
        get_entry("no-such-model")


@pytest.mark.parametrize("entry", MODELS, ids=[e.name for e in MODELS])
def test_every_model_loads(entry):
    model = load_model(entry.name)
    assert not model.training
    assert model.link.eta == pytest.approx(entry.eta) and model.iframe.link.eta == pytest.approx(entry.eta)
    m = entry.measured
    assert 0 < m.payload_cbr < 0.1 and 5 < m.psnr_db < 60 and m.clips
    cbrs = [c for _, c in sorted(entry.eta_cbr)]
    assert [e for e, _ in entry.eta_psnr] == [e for e, _ in entry.eta_cbr]
    assert cbrs == sorted(cbrs), "a larger η must not give a smaller CBR"
    assert [s for s, _ in entry.psnr_vs_snr] == [0.0, 5.0, 10.0, 15.0, 20.0]


def test_pick_for_cbr():
    e = MODELS[0]
    lo, hi = min(c for _, c in e.eta_cbr), max(c for _, c in e.eta_cbr)
    target = (lo * hi) ** 0.5
    entry, eta = pick_for_cbr(target)
    assert entry.metric == "mse" and eta > 0
    assert eta_for_cbr(entry, target) == pytest.approx(eta)
    with pytest.raises(ProjectError, match="reaches CBR"):
        pick_for_cbr(10.0)
    with pytest.raises(ProjectError):
        pick_for_cbr(-1)


def test_models_cli(tmp_path, capsys):
    from dvst.cli import main

    out = tmp_path / "m.json"
    assert main(["models", "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert {m["name"] for m in data["models"]} == {e.name for e in MODELS}
    assert "default" in capsys.readouterr().out
    e = MODELS[0]
    target = e.measured.payload_cbr
    assert main(["models", "--cbr", str(target), "--json", str(out)]) == 0
    assert json.loads(out.read_text())["eta"] > 0
    assert main(["models", "--cbr", "5"]) == 2


SHARED_CLIPS = __import__("pathlib").Path(__file__).resolve().parents[1].parent / "shared" / "data" / "clips"


@pytest.mark.slow
@pytest.mark.parametrize("entry", MODELS, ids=[e.name for e in MODELS])
def test_shipped_weights_reproduce_their_figure(entry):
    """What ships is what was measured: the weights (loaded with weights_only=True) give the
    PSNR and payload CBR of models.yaml on its validation clips, within 0.1 dB."""
    if not SHARED_CLIPS.is_dir():
        pytest.skip(f"the validation clips are not here ({SHARED_CLIPS})")
    from dvst.io.video import read_frames
    from dvst.train.publish import measure

    clips = [read_frames(SHARED_CLIPS / name, max_frames=8) for name in entry.measured.clips]
    got = measure(load_model(entry.name), clips, entry.measured.snr_db, None, entry.channel)
    assert got["psnr_db"] == pytest.approx(entry.measured.psnr_db, abs=0.1)
    assert got["payload_cbr"] == pytest.approx(entry.measured.payload_cbr, rel=0.01)

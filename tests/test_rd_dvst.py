"""DVST inside ``dvst bench rd``: the harness reaches the codec through the zoo and
``dvst.eval.codec_sim.evaluate``. The model here is an *untrained* small DVST written to a
temporary zoo: the test checks the plumbing and the accounting, not quality."""

import json

import pytest

from dvst.bench.rd import cli

pytestmark = pytest.mark.slow


@pytest.fixture
def temp_zoo(tmp_path, monkeypatch):
    import torch

    import dvst.zoo as zoo
    from dvst.codec import DVSTModel, load_model_config
    from dvst.codec.checkpoint import save

    torch.manual_seed(0)
    save(tmp_path / "weights" / "untrained.pt", DVSTModel(load_model_config("small")))
    entry = zoo.ZooEntry(name="untrained-small", weights="untrained.pt", metric="mse", channel="awgn",
                         snr_db=[0.0, 20.0], eta=0.2,
                         measured=zoo.Measured(payload_cbr=0.1), eta_cbr=[[0.1, 0.01], [0.3, 1.0]])
    monkeypatch.setattr(zoo, "ZOO_DIR", tmp_path)
    monkeypatch.setattr(zoo, "read_registry", lambda: zoo.Registry(models=[entry]))
    return entry


def test_dvst_goes_through_evaluate(temp_zoo, tmp_path):
    out = tmp_path / "rd.json"
    rc = cli(["demo", "--size", "64x64", "--frames", "4", "--schemes", "dvst,h264-capacity",
               "--figures", "rd,snr", "--rates", "30,40", "--cbr", "0.1", "--snr-sweep", "4",
               "--json", str(out)])
    assert rc == 0
    e = json.loads(out.read_text())["inputs"]["demo"]["schemes"]["dvst"]
    assert sorted(p["eta"] for p in e["all_points"]) == [0.1, 0.3]  # the η of the zoo's table
    assert 1 <= len(e["points"]) <= 2  # the envelope over them
    for p in e["points"]:
        assert p["params"]["model"] == "untrained-small" and p["params"]["trained_snr_db"] == [0.0, 20.0]
        assert p["cbr"] == pytest.approx(sum(p["frame_cbr"]) / 4)
        assert p["snr_db"] == 10.0
    # a larger bandwidth scale η spends more symbols
    by_eta = {p["eta"]: p["cbr"] for p in e["all_points"]}
    assert by_eta[0.3] > by_eta[0.1]
    assert "untrained-small" in e["snr"]["how"] and e["snr"]["points"][0]["snr_db"] == 4.0
    assert "bd_rate_vs_h264_ldpc" in e  # None here: H.264 + LDPC was not run

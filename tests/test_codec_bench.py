"""``dvst bench codec`` writes the agreed keys (tiny frames, the small configuration)."""

import json
import subprocess
import sys


def test_bench_codec_json(tmp_path):
    out = tmp_path / "codec.json"
    r = subprocess.run([sys.executable, "-m", "dvst.cli", "bench", "codec", "--configs", "small", "--size",
                        "96x64", "--repeat", "2", "--threads", "1", "--json", str(out)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    fig = json.loads(out.read_text())
    for key in ("small_pframe_encode_ms", "small_pframe_decode_ms", "small_iframe_encode_ms",
                "small_iframe_decode_ms", "small_params", "small_pframe_encode_macs_per_pixel"):
        assert fig[key] > 0, key
    assert fig["small_pframe_encode_macs_per_pixel"] > fig["small_pframe_decode_macs_per_pixel"]
    bad = subprocess.run([sys.executable, "-m", "dvst.cli", "bench", "codec", "--repeat", "1"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1

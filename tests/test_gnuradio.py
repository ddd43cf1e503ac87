"""The whole link through a real GNU Radio flowgraph (examples/gnuradio/dvst_channel.py): dvst
transmits into GNU Radio's ZMQ PULL source, GNU Radio's channel model adds noise, a carrier
offset and a sample-clock offset, and dvst receives from the ZMQ PUSH sink and decodes every
frame. Runs where Debian's ``gnuradio`` is installed (``.ci/run`` installs it)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from radio.devices.zeromq import free_tcp_endpoint

ROOT = Path(__file__).resolve().parent.parent
FLOWGRAPH = ROOT / "examples" / "gnuradio" / "dvst_channel.py"
GR_PYTHON = "/usr/bin/python3"   # GNU Radio's Python bindings live in the system Python


def gnuradio_missing() -> str | None:
    if not Path(GR_PYTHON).exists():
        return f"{GR_PYTHON} not found"
    r = subprocess.run([GR_PYTHON, "-c", "from gnuradio import zeromq, channels"], capture_output=True)
    return None if r.returncode == 0 else "GNU Radio with gr-zeromq is not installed (apt-get install gnuradio)"


pytestmark = [pytest.mark.slow, pytest.mark.skipif(bool(gnuradio_missing()), reason=gnuradio_missing() or "")]


def test_the_link_through_gnu_radio_decodes_every_frame(tmp_path):
    from dvst.cli import main

    a, b = free_tcp_endpoint(), free_tcp_endpoint()
    # the generated flowgraph runs until Enter: keep its stdin open, stop it with SIGTERM
    gr = subprocess.Popen([GR_PYTHON, str(FLOWGRAPH), "--tx-endpoint", a, "--rx-endpoint", b,
                           "--noise-voltage", "0.01", "--freq-offset-hz", "1500", "--sfo-ppm", "20"],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    js = tmp_path / "gr.json"
    try:
        rc = main(["loopback", "--tx-endpoint", a, "--rx-endpoint", b, "--model", "small", "--frames", "6",
                   "--size", "128x96", "--no-pace", "--json", str(js), "--require-frames", "6"])
    finally:
        gr.terminate()
        log = gr.communicate(timeout=30)[0]
    d = json.loads(js.read_text())
    assert rc == 0, log
    assert d["frames_decoded"] == 6 and d["frames_concealed"] == 0
    assert 15 < d["snr_measured_db"] < 40        # the channel model's noise, measured by dvst
    assert "2e+06 S/s" in d["device"]


@pytest.mark.parametrize("name", ["dvst_channel", "dvst_tx_soapy", "dvst_rx_soapy"])
def test_every_example_flowgraph_loads_in_gnu_radio(name):
    """The generated Python imports its blocks (gr-zeromq, gr-channels, gr-soapy, gr-qtgui) and
    exposes its variables as options; no radio is opened by --help."""
    import os

    r = subprocess.run([GR_PYTHON, str(FLOWGRAPH.with_name(f"{name}.py")), "--help"], capture_output=True,
                       text=True, timeout=60, env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert r.returncode == 0, r.stderr
    assert "--samp-rate" in r.stdout and "endpoint" in r.stdout

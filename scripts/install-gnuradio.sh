#!/usr/bin/env bash
# Optional: GNU Radio 3.10 from Debian (system Python 3.11, with gr-zeromq, gr-channels,
# gr-soapy, gr-uhd and gr-qtgui), for `--device zmq` with the flowgraphs in examples/gnuradio/.
set -euo pipefail
if /usr/bin/python3 -c "from gnuradio import zeromq, channels" 2>/dev/null; then
    exit 0
fi
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq || true
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends gnuradio >/dev/null

"""Settings of a link session: one dataclass, filled from ``--config FILE.yaml`` and flags.

Keys that a command does not use are accepted and ignored by it (one file can serve
``loopback``, ``tx``, ``rx``, ``record`` and ``replay``); unknown keys are errors.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass, fields

from dvst.errors import DvstError
from foundation.errors import ParameterError
from foundation.yaml_config import from_mapping, load_yaml, resolve_config
from radio.errors import RadioError
from radio.side_mcs import SIDE_MCS, side_mcs


@dataclass
class LinkConfig:
    """Units: dB, ppm, Hz, frames. None means "the default of the part that uses it"."""

    model: str | None = None          # zoo name, checkpoint path, model config name; None: shipped default
    cbr: float | None = None          # target payload CBR (picks model and eta); None: the model's own
    gop: int = 4                      # frames per group of pictures (one I-frame, gop-1 P-frames)
    radio: str = "default"            # radio profile (radio/profiles/NAME.yaml or a path)
    channel: str = "two-plutos-bench"  # loopback channel scenario (radio/channel/scenarios/NAME.yaml or a path)
    snr_db: float = 15.0              # loopback: in-band SNR of the simulator; tx: SNR the encoder assumes
    side_mcs: str = "auto"            # side information's MCS: "auto" (from snr_db, radio.side_mcs) or a
                                      # name: header (the robust header code), qpsk-1/2, 16qam-2/3, …
    cfo_ppm: float | None = None      # loopback: carrier offset, ppm of the carrier (None: the scenario's)
    sfo_ppm: float | None = None      # loopback: sample-clock offset, ppm (None: the scenario's)
    frames: int | None = None         # stop after this many frames (None: the whole input; demo: 60)
    size: str | None = None           # WxH of raw .yuv input
    seed: int = 0                     # simulator seed (and of an untrained model)
    pace: bool = True                 # send at the source frame rate (False: as fast as possible)
    queue_size: int = 4               # depth of the queues between pipeline stages
    max_burst_symbols: int = 16384    # analog symbols per burst; larger frames are fragmented
    loopback_buffer: int | None = 16384  # loopback receive buffer, samples (None: the profile's)
    msssim: bool = True               # compute MS-SSIM per frame (costs CPU time)
    encoder_threads: int | None = 1   # torch threads of the encoder stage (None: torch's default)
    decoder_threads: int | None = 1   # torch threads of the decoder + metrics stage: the stages
                                      # already run in parallel; a second OpenMP thread on a busy
                                      # 2-core machine makes MS-SSIM 30x slower
    device: str = "pluto"             # "pluto", "fake-pluto" (PlutoDevice on a simulated adi.Pluto),
                                      # or "zmq" (GNU Radio's ZeroMQ IQ blocks; see tx/rx_endpoint)
    tx_endpoint: str | None = None    # zmq: where the transmit socket binds, e.g. tcp://127.0.0.1:5555
    rx_endpoint: str | None = None    # zmq: where the receive socket connects, e.g. tcp://127.0.0.1:5556
    zmq_pattern: str = "pushpull"     # zmq: "pushpull" (GNU Radio's PUSH sink / PULL source) or "pubsub"
    uri: str | None = None            # Pluto URI (rx, or both sides on one board)
    tx_uri: str | None = None         # Pluto URI of the transmitter (tx; None: uri)
    lo_hz: float | None = None        # carrier (None: the radio profile's)
    sample_rate: float | None = None  # Hz (None: the radio profile's)
    tx_gain_db: float | None = None   # Pluto tx_hardwaregain_chan0 (None: profile / calibration)
    rx_gain_db: float | None = None   # Pluto rx_hardwaregain_chan0 (None: profile / calibration)
    calibration: str | None = None    # calibration profile YAML (from ``dvst calibrate``)

    def __post_init__(self) -> None:
        for name in ("snr_db", "cfo_ppm", "sfo_ppm", "lo_hz", "sample_rate", "tx_gain_db", "rx_gain_db"):
            v = getattr(self, name)
            if v is not None and not math.isfinite(v):  # NaN passes every range check below
                raise ParameterError(name, f"{name} must be a finite number, got {v}")
        if self.seed < 0:
            raise ParameterError("seed", f"seed must be >= 0, got {self.seed}")
        if self.gop < 1:
            raise ParameterError("gop", f"gop must be >= 1, got {self.gop}")
        if self.frames is not None and self.frames < 1:
            raise ParameterError("frames", f"frames must be >= 1, got {self.frames}")
        if self.cbr is not None and not 0 < self.cbr < 1:
            raise ParameterError("cbr", f"cbr must be between 0 and 1, got {self.cbr}")
        if not -30 <= self.snr_db <= 60:
            raise ParameterError("snr_db", f"snr_db must be in -30 .. 60 dB, got {self.snr_db}")
        try:
            if self.side_mcs != "auto":
                side_mcs(self.side_mcs)
        except RadioError as e:
            raise ParameterError("side_mcs", str(e)) from None
        if self.device not in ("pluto", "fake-pluto", "zmq"):
            raise DvstError(f"device must be pluto, fake-pluto or zmq, got {self.device!r}")
        if self.zmq_pattern not in ("pushpull", "pubsub"):
            raise DvstError(f"zmq_pattern must be pushpull or pubsub, got {self.zmq_pattern!r}")
        if self.queue_size < 1 or self.max_burst_symbols < 64:
            raise DvstError("queue_size must be >= 1 and max_burst_symbols >= 64")


def add_link_flags(p: argparse.ArgumentParser, *names: str) -> None:
    """Add the flags ``names`` (LinkConfig keys) to a parser, all defaulting to None."""
    helps = {
        "model": ("--model", dict(metavar="NAME", help="zoo model, checkpoint file or model config "
                                                       "(default: the shipped model)")),
        "cbr": ("--cbr", dict(type=float, metavar="R", help="target payload CBR (picks model and eta)")),
        "gop": ("--gop", dict(type=int, help="GOP length (default 4)")),
        "radio": ("--radio", dict(metavar="PROFILE", help="radio profile name or YAML (default: default)")),
        "channel": ("--channel", dict(metavar="NAME", help="channel scenario: awgn, rayleigh, multipath, "
                                      "two-plutos-bench or a YAML (default: two-plutos-bench)")),
        "snr_db": ("--snr", dict(type=float, dest="snr_db", metavar="DB", help="in-band SNR in dB (default 15)")),
        "side_mcs": ("--side-mcs", dict(choices=["auto", *(m.name for m in SIDE_MCS)],
                                        help="side information's modulation and code rate (default auto: "
                                             "the cheapest one that the configured SNR carries with margin)")),
        "cfo_ppm": ("--cfo-ppm", dict(type=float, help="carrier frequency offset, ppm")),
        "sfo_ppm": ("--sfo-ppm", dict(type=float, help="sampling clock offset, ppm")),
        "frames": ("--frames", dict(type=int, metavar="N", help="number of frames")),
        "size": ("--size", dict(metavar="WxH", help="frame size of raw .yuv input")),
        "seed": ("--seed", dict(type=int, help="simulator seed (default 0)")),
        "uri": ("--uri", dict(help="Pluto URI, e.g. ip:192.168.2.1 or usb:1.5.5")),
        "device": ("--device", dict(choices=["pluto", "fake-pluto", "zmq"],
                                    help="pluto (default); fake-pluto: a simulated board cabled to itself; "
                                         "zmq: any radio GNU Radio drives, through its ZeroMQ blocks")),
        "tx_endpoint": ("--tx-endpoint", dict(metavar="tcp://HOST:PORT",
                                              help="zmq: bind the transmit stream here (a flowgraph's ZMQ "
                                                   "PULL source connects to it)")),
        "rx_endpoint": ("--rx-endpoint", dict(metavar="tcp://HOST:PORT",
                                              help="zmq: receive from here (where a flowgraph's ZMQ PUSH "
                                                   "sink binds)")),
        "zmq_pattern": ("--zmq-pattern", dict(choices=["pushpull", "pubsub"],
                                              help="zmq: PUSH/PULL (default) or PUB/SUB")),
        "tx_uri": ("--tx-uri", dict(help="URI of a second Pluto used as transmitter")),
        "lo_hz": ("--lo", dict(type=float, dest="lo_hz", metavar="HZ", help="carrier frequency in Hz")),
        "sample_rate": ("--sample-rate", dict(type=float, metavar="HZ", help="sample rate in Hz")),
        "tx_gain_db": ("--tx-gain", dict(type=float, dest="tx_gain_db", metavar="DB",
                                         help="TX hardware gain (<= 0 dB)")),
        "rx_gain_db": ("--rx-gain", dict(type=float, dest="rx_gain_db", metavar="DB", help="RX hardware gain in dB")),
        "calibration": ("--calibration", dict(metavar="FILE.yaml", help="calibration profile from dvst calibrate")),
    }
    for n in names:
        flag, kw = helps[n]
        kw.setdefault("dest", n)
        p.add_argument(flag, default=None, **kw)
    p.add_argument("--no-pace", dest="pace", action="store_const", const=False, default=None,
                   help="run as fast as possible instead of at the source frame rate")


def link_config(args: argparse.Namespace) -> LinkConfig:
    """``--config`` file (if any) overridden by every flag the user gave."""
    data = {}
    if getattr(args, "config", None):
        data = load_yaml(resolve_config(args.config, "link"))
    keys = {f.name for f in fields(LinkConfig)}
    data.update({k: v for k, v in vars(args).items() if k in keys and v is not None})
    return from_mapping(LinkConfig, data, where="link config")

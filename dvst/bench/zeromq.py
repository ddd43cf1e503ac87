"""``dvst bench zmq``: the sustained sample rate of the zmq device (GNU Radio's ZeroMQ IQ
format) over TCP on this machine, as a multiple of the radio profile's real-time rate."""

from __future__ import annotations

import os
import threading
import time


def throughput(seconds: float, rx_buffer_size: int, pattern: str = "pushpull") -> dict:
    """Stream for ``seconds`` from one ZmqDevice to another through TCP on localhost; → figures.

    The transmitter sends buffers of 65,536 samples as fast as the receiver takes them (PUSH
    back-pressure); the rate counts samples handed out by ``rx()``."""
    import numpy as np

    from radio.devices import ZmqDevice
    from radio.devices.zeromq import free_tcp_endpoint

    ep = free_tcp_endpoint()
    tx = ZmqDevice(tx_endpoint=ep, pattern=pattern)
    rx = ZmqDevice(rx_endpoint=ep, pattern=pattern, check_rate=False)   # as fast as it goes, on purpose
    rx.rx_buffer_size = rx_buffer_size
    stop = threading.Event()
    x = (0.5 * np.exp(1j * 0.01 * np.arange(1 << 16))).astype(np.complex64)

    def send():
        while not stop.is_set():
            tx.tx(x)

    t = threading.Thread(target=send, daemon=True)
    t.start()
    try:
        rx.rx()   # connected and flowing
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            n += rx.rx().size
        elapsed = time.perf_counter() - t0
    finally:
        stop.set()
        rx.interrupt()
        tx.interrupt()
        t.join(5)
        tx.close()
        rx.close()
    return {"samples": n, "seconds": elapsed, "msps": n / elapsed / 1e6, "overflows": rx.rx_overflows}


def run(args) -> int:
    from dvst.console import print_table, write_json
    from radio.profile import load_profile

    profile = load_profile(args.profile)
    r = throughput(args.seconds, profile.rx_buffer_size, args.pattern)
    fig = {**r, "pattern": args.pattern, "profile": profile.name, "sample_rate": profile.sample_rate,
           "realtime_factor": r["msps"] * 1e6 / profile.sample_rate,
           "load_average": os.getloadavg()[0], "cpus": os.cpu_count()}
    print_table(list(fig.items()), "dvst bench zmq (two zmq devices over TCP on localhost)")
    write_json(args.json, fig)
    return 0


def register(sub) -> None:
    from dvst.console import add_json_flag

    p = sub.add_parser("zmq", help="sustained sample rate of the zmq device (GNU Radio's ZeroMQ IQ)",
                       description="Streams complex float32 from one zmq device to another over TCP on "
                                   "localhost and reports the sustained rate against the radio profile's.")
    p.add_argument("--radio", "--profile", dest="profile", metavar="PROFILE", default="default",
                   help="radio profile whose sample rate and receive buffer are used")
    p.add_argument("--seconds", type=float, default=5.0, help="how long to stream (default 5)")
    p.add_argument("--pattern", choices=["pushpull", "pubsub"], default="pushpull")
    add_json_flag(p)
    p.set_defaults(func=run)

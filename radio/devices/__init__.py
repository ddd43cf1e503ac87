"""Radio back-ends behind one interface (:class:`Device`): a PlutoSDR through pyadi-iio, the
loopback simulator, SigMF record/replay, and a fake ``adi.Pluto`` for tests.

``open_device(kind, uri=None, ...)`` builds one by name:

* ``"pluto"``: ``PlutoDevice(uri)`` — uri ``ip:HOST`` or ``usb:BUS.DEV.INTF``;
* ``"loopback"``: a simulated Pluto wired to itself (``channel=``, ``seed=``, ``realtime=``);
* ``"fake-pluto"``: ``PlutoDevice`` driving a :class:`FakePluto` (``channel=``, ``seed=``);
* ``"sigmf"``: ``SigMFDevice(uri)`` — uri is the recording's path (``mode=``, ``datatype=``, ...);
* ``"zmq"``: ``ZmqDevice(tx_endpoint=, rx_endpoint=, pattern=)`` — GNU Radio's ZeroMQ IQ blocks.

``profile=`` (a ``RadioProfile``) configures the device after opening it; for the simulated
kinds a channel given by name is first fitted to it (``ChannelConfig.for_profile``).
"""

from __future__ import annotations

from typing import Any

from radio.channel import ChannelConfig
from radio.devices.base import Device
from radio.devices.fake_pluto import FakePluto, fake_pluto_pair
from radio.devices.loopback_pair import Air, LoopbackDevice, loopback_pair
from radio.devices.pluto import PlutoDevice
from radio.devices.sigmf import SigMFDevice
from radio.devices.zeromq import ZmqDevice
from radio.errors import RadioError

KINDS = ("pluto", "loopback", "fake-pluto", "sigmf", "zmq")


def open_device(kind: str, uri: str | None = None, profile=None, **options: Any) -> Device:
    """Open a device of ``kind`` (one of KINDS); unknown kinds and options are RadioErrors."""
    if profile is not None and kind in ("loopback", "fake-pluto"):
        channel = options.get("channel", "awgn")
        if not isinstance(channel, ChannelConfig):
            options["channel"] = ChannelConfig.for_profile(profile, channel)
    try:
        if kind == "pluto":
            dev: Device = PlutoDevice(uri or "ip:192.168.2.1", **options)
        elif kind == "loopback":
            dev = LoopbackDevice.cable(**options)
        elif kind == "fake-pluto":
            dev = PlutoDevice(sdr=FakePluto(uri or "ip:fake-pluto", **options))
        elif kind == "sigmf":
            if not uri:
                raise RadioError("the sigmf device needs the recording's path as uri")
            dev = SigMFDevice(uri, **options)
        elif kind == "zmq":
            dev = ZmqDevice(**options)
        else:
            raise RadioError(f"unknown device kind {kind!r}; known: {', '.join(KINDS)}")
    except TypeError as e:
        raise RadioError(f"bad option for the {kind} device: {e}") from None
    if profile is not None:
        dev.configure(profile)
    return dev


__all__ = ["Air", "Device", "FakePluto", "KINDS", "LoopbackDevice", "PlutoDevice", "SigMFDevice",
           "ZmqDevice", "fake_pluto_pair", "loopback_pair", "open_device"]

"""``PlutoDevice``: an ADALM-PlutoSDR through pyadi-iio's ``adi.Pluto``.

``adi`` (and libiio under it) is imported only when a real radio is opened, so everything
else works without them. The URI is ``ip:HOST`` (network, iiod on TCP port 30431) or
``usb:BUS.DEV.INTF``; a network radio is probed with a short TCP connect first, so a missing
board is a one-line :class:`RadioError` within ``timeout_s`` instead of libiio's long wait.

Sample scaling: full scale 1.0 <-> ``2**14`` on TX (pyadi-iio's Pluto convention: the 12-bit
DAC sits in the upper bits of an int16, and pyadi-iio's ``astype(int16)`` would wrap anything
beyond int16 — :meth:`Device.tx` has already clipped to +-1.0) and ``2**11`` ADC counts on RX.

pyadi-iio's buffer rules are handled here: a cyclic buffer (or a streaming buffer of another
length) is destroyed with ``tx_destroy_buffer()`` before the next ``tx``; ``tx_cyclic_buffer``
is only changed without a live buffer; the RX buffer is destroyed when ``rx_buffer_size``
changes. Pass ``sdr=FakePluto(...)`` to run all of this against the fake.
"""

from __future__ import annotations

import re
import socket
from typing import Any

import numpy as np

from radio.channel.adc import RX_FULL_SCALE
from radio.channel.dac import to_tx_codes
from radio.devices.base import Device
from radio.errors import RadioError

IIOD_PORT = 30431
_URI = re.compile(r"^(ip:(?P<host>[A-Za-z0-9._\-]+)|usb:(\d+\.\d+\.\d+)?)$")


def check_uri(uri: str) -> str:
    """The URI unchanged if it is ``ip:HOST`` or ``usb:[BUS.DEV.INTF]``, else a RadioError."""
    if not isinstance(uri, str) or not _URI.match(uri):
        raise RadioError(f"bad PlutoSDR URI {uri!r}: expected ip:HOST (e.g. ip:192.168.2.1) "
                        "or usb:BUS.DEV.INTF (e.g. usb:1.5.5)")
    return uri


def probe_network(uri: str, timeout_s: float) -> None:
    """Raise a one-line RadioError unless something accepts TCP on iiod's port within timeout_s."""
    host = _URI.match(uri).group("host")
    try:
        with socket.create_connection((host, IIOD_PORT), timeout=timeout_s):
            pass
    except OSError as e:
        reason = "timed out" if isinstance(e, socket.timeout) else (e.strerror or str(e))
        raise RadioError(f"no PlutoSDR answers at {uri} (iiod port {IIOD_PORT}: {reason})") from None


def import_adi():
    """The ``adi`` module, or a one-line RadioError naming what to install."""
    try:
        import adi  # noqa: PLC0415 - lazy on purpose: libiio is optional for everything else
    except (ImportError, OSError) as e:
        raise RadioError(f"pyadi-iio/libiio is not usable ({e}); install Debian's libiio0 and "
                        "pip install pyadi-iio pylibiio==0.25") from None
    return adi


class PlutoDevice(Device):
    """A PlutoSDR (or any object with ``adi.Pluto``'s API passed as ``sdr``)."""

    kind = "pluto"

    def __init__(self, uri: str | None = "ip:192.168.2.1", sdr: Any = None, timeout_s: float = 2.0):
        super().__init__()
        if sdr is None:
            uri = check_uri(uri)
            adi = import_adi()
            if uri.startswith("ip:"):
                probe_network(uri, timeout_s)
            try:
                sdr = adi.Pluto(uri)
            except Exception as e:   # pyadi-iio raises bare Exception("No device found")
                why = str(e).splitlines()[0] if str(e) else type(e).__name__
                raise RadioError(f"cannot open a PlutoSDR at {uri}: {why}") from None
        self.uri = getattr(sdr, "uri", uri)
        self.sdr = sdr
        self._tx_len: int | None = None      # length of the live TX buffer, None when none

    # ---- settings -----------------------------------------------------------------------------
    def _get(self, name: str) -> Any:
        return getattr(self.sdr, name)

    def _set(self, name: str, value: Any) -> None:
        try:
            if name == "rx_buffer_size" and value != self.sdr.rx_buffer_size:
                self.sdr.rx_destroy_buffer()         # the buffer keeps its size until recreated
            setattr(self.sdr, name, value)
        except RadioError:
            raise
        except Exception as e:
            raise RadioError(f"the PlutoSDR refused {name} = {value!r}: {e}") from None

    # ---- streaming ----------------------------------------------------------------------------
    def _tx(self, samples: np.ndarray, cyclic: bool) -> None:
        codes = to_tx_codes(samples)     # +-2^14, clipped: pyadi-iio's astype(int16) cannot wrap
        try:
            if self._tx_len is not None and (self._cyclic or cyclic or len(codes) != self._tx_len):
                self.sdr.tx_destroy_buffer()
                self._tx_len = None
            if self._tx_len is None:
                self.sdr.tx_cyclic_buffer = cyclic
            self.sdr.tx(codes)
        except Exception as e:
            raise RadioError(f"PlutoSDR transmit failed: {e}") from None
        self._tx_len = len(codes)

    def _tx_destroy(self) -> None:
        try:
            self.sdr.tx_destroy_buffer()
        except Exception as e:
            raise RadioError(f"PlutoSDR tx_destroy_buffer failed: {e}") from None
        self._tx_len = None

    def _rx(self) -> np.ndarray:
        try:
            data = self.sdr.rx()
        except Exception as e:
            raise RadioError(f"PlutoSDR receive failed: {e}") from None
        data = np.asarray(data)
        if data.ndim != 1:
            raise RadioError(f"PlutoSDR returned {data.ndim} channels; enable one RX channel")
        return (data / RX_FULL_SCALE).astype(np.complex64)

    def _close(self) -> None:
        for call in ("rx_destroy_buffer", "tx_destroy_buffer"):
            try:
                getattr(self.sdr, call)()
            except Exception:
                pass
        close = getattr(self.sdr, "close", None)
        if callable(close):
            try:
                close()
            except Exception:
                pass

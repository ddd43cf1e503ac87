"""The devices a session drives, adapted to it: the loopback receiver's gate, Pluto and
ZeroMQ radios opened from a link configuration, fixed-length TX chunks for pyadi-iio, SigMF
recording and replay, and live retuning of a session's radios (pyadi-iio attribute names).
What a device may offer beyond ``tx``/``rx`` is declared in ``dvst.link.features``."""

from __future__ import annotations

import numpy as np

from dvst.errors import DvstError
from dvst.link.link_config import LinkConfig
from dvst.link.phy import channel_config
from foundation.errors import ParameterError
from radio.devices.base import Device  # numpy only: the device interface, not a back-end


def set_loopback_channel(tx_dev, chan) -> None:
    """Swap the simulator's scenario while streaming (SNR, offsets, multipath): the link's
    ``Air`` gets a new LoopbackChannel (same seed); the receiver resynchronises per burst."""
    from radio.channel import LoopbackChannel

    air = tx_dev.air_out
    channel = LoopbackChannel(chan, air.seed)
    air.config, air.channel = chan, channel


class GatedRx:
    """The loopback receiver, pulling only while something is on air (plus ``tail`` buffers
    to finish a burst that straddles a buffer edge). Without the gate the simulator would
    make and search noise as fast as the CPU allows; a real Pluto delivers it at the sample
    rate, which ``realtime`` loopback reproduces instead.
    """

    def __init__(self, rx_dev, air, tail: int = 1, poll_s: float = 0.002):
        self.dev, self.air, self.tail, self.poll_s = rx_dev, air, tail, poll_s
        self._left = 0
        self._interrupted = False
        self.idle_s = 0.0   # time spent waiting for the transmitter, not receiving
        self.finished = lambda: False   # set by the session's owner: the transmitter is done

    def rx(self) -> np.ndarray:
        """The next buffer; an empty array once the transmitter is done and the air is quiet."""
        import time

        while not self._interrupted:
            if self.air.in_flight != 0:
                self._left = self.tail
                return self.dev.rx()
            if self._left > 0:
                self._left -= 1
                return self.dev.rx()
            if self.finished():
                break
            t0 = time.perf_counter()
            time.sleep(self.poll_s)
            self.idle_s += time.perf_counter() - t0
        return np.zeros(0, np.complex64)

    def interrupt(self) -> None:
        """Make a waiting rx() return (the session is stopping)."""
        self._interrupted = True


class RxTap(Device):
    """Hands a buffer the session already received to a SigMF recorder as its ``source``."""

    kind = "link receiver"

    def __init__(self, profile):
        super().__init__()
        self.next = np.zeros(0, np.complex64)
        self._s: dict = {}
        self.configure(profile)

    def _get(self, name):
        return self._s[name]

    def _set(self, name, value):
        self._s[name] = value

    def _tx(self, samples, cyclic):
        raise DvstError("the receive tap cannot transmit")

    def _tx_destroy(self):
        pass

    def _rx(self):
        return self.next


class SigMFRecorder:
    """Records what the session sends (``direction="tx"``: one annotation per frame) or what it
    receives (``"rx"``) into a SigMF recording; ``record(samples)``, ``close()``."""

    def __init__(self, path, profile, direction: str, description: str = ""):
        from radio.devices import SigMFDevice

        self.direction = direction
        if direction == "rx":
            self._tap = RxTap(profile)
            self.dev = SigMFDevice(path, mode="record", source=self._tap, description=description)
        else:
            self.dev = SigMFDevice(path, mode="record", description=description)
            self.dev.configure(profile)

    def record(self, samples: np.ndarray) -> None:
        if self.direction == "rx":
            self._tap.next = samples
            self.dev.rx()
        else:
            self.dev.tx(samples)

    # a recorder can stand in for a transmitting device (dvst record)
    def tx(self, samples: np.ndarray) -> None:
        self.record(samples)

    def close(self) -> None:
        self.dev.close()


def recorder_factory(profile, direction: str):
    """``path → SigMFRecorder`` of what a session sends ("tx") or receives ("rx")."""
    return lambda path: SigMFRecorder(path, profile, direction)


class ReplayDevice:
    """A SigMF recording as the session's receiving device: an empty buffer at its end."""

    def __init__(self, path, profile=None):
        from radio.devices import SigMFDevice

        self.dev = SigMFDevice(path, mode="replay")
        if profile is not None:
            self.dev.rx_buffer_size = profile.rx_buffer_size
        self.sample_rate = float(self.dev.sample_rate)

    def rx(self) -> np.ndarray:
        if self.dev.remaining == 0:
            return np.zeros(0, np.complex64)
        return self.dev.rx()

    def close(self) -> None:
        self.dev.close()


def open_radio(cfg: LinkConfig, uri: str | None, profile, transmit: bool, receive: bool):
    """The link's radio: a PlutoDevice (``open_pluto``), or for ``cfg.device == "zmq"`` a
    ZmqDevice on ``cfg.tx_endpoint`` (when ``transmit``) and ``cfg.rx_endpoint`` (when
    ``receive``), configured with the profile's settings (the rate the link expects: the
    flowgraph must run at it)."""
    if cfg.device != "zmq":
        return open_pluto(cfg, uri, profile)
    from radio.devices import open_device

    need = [name for name, want, have in (("tx_endpoint", transmit, cfg.tx_endpoint),
                                          ("rx_endpoint", receive, cfg.rx_endpoint)) if want and not have]
    if need:
        raise ParameterError(need[0], f"the zmq device needs {need[0]} (e.g. tcp://127.0.0.1:5555)")
    return open_device("zmq", profile=profile, tx_endpoint=cfg.tx_endpoint if transmit else None,
                       rx_endpoint=cfg.rx_endpoint if receive else None, pattern=cfg.zmq_pattern)


def radio_name(cfg: LinkConfig, uri: str | None, profile) -> str:
    """How a run names its radio, with the sample rate the flowgraph must run at for zmq."""
    if cfg.device == "zmq":
        ends = " ".join(e for e in (cfg.tx_endpoint and f"tx {cfg.tx_endpoint}",
                                    cfg.rx_endpoint and f"rx {cfg.rx_endpoint}") if e)
        return f"zmq {ends} at {profile.sample_rate:g} S/s"
    return f"{cfg.device} {uri}"


def open_pluto(cfg: LinkConfig, uri: str | None, profile):
    """A configured PlutoDevice at ``uri`` (a missing library or board is a one-line DvstError).

    ``cfg.device == "fake-pluto"``: the same PlutoDevice driving a simulated ``adi.Pluto``
    whose TX is cabled to its RX through ``cfg.channel`` (tests, demos without a board).
    """
    from radio.devices import open_device

    if not uri:
        raise ParameterError("uri", "uri is needed for a PlutoSDR (e.g. ip:192.168.2.1 or usb:1.5.5)")
    options = {}
    if cfg.device == "fake-pluto":
        options = {"channel": channel_config(cfg, profile), "seed": cfg.seed}
    dev = open_device(cfg.device, uri=uri, profile=profile, **options)
    if cfg.calibration:
        from calibration import configure_device

        try:
            configure_device(dev, cfg.calibration)  # right board, and its calibrated xo_correction
        except BaseException:
            dev.close()
            raise
    return dev


class ChunkedTx:
    """Streams a frame's samples to a Pluto in buffers of one fixed length.

    pyadi-iio keeps a streaming TX buffer at the length of its first push; a frame of another
    length would need the buffer destroyed and re-created (a gap on air each time). The last
    chunk of a frame is padded with zeros, so each frame leaves at once.
    """

    def __init__(self, dev, chunk: int = 16384):
        self.dev, self.chunk = dev, int(chunk)

    def tx(self, samples: np.ndarray) -> None:
        n = -(-len(samples) // self.chunk) * self.chunk
        padded = np.zeros(n, np.complex64)
        padded[:len(samples)] = samples
        for i in range(0, n, self.chunk):
            self.dev.tx(padded[i:i + self.chunk])

    def flush(self, chunks: int = 2) -> None:
        """After the last frame: a little silence, and time for it to leave the board's
        buffers before the TX buffer is destroyed (which would cut the last burst)."""
        import time

        for _ in range(chunks):
            self.dev.tx(np.zeros(self.chunk, np.complex64))
        time.sleep(chunks * self.chunk / float(self.dev.sample_rate))

    def rx(self) -> np.ndarray:
        return self.dev.rx()

    def close(self) -> None:
        self.dev.close()


def radios(session) -> tuple[list, list]:
    """The session's radio devices (``radio.devices.Device``): (receiving, transmitting).

    The transmit side may be wrapped (``ChunkedTx`` keeps its device in ``.dev``); a simulated
    loopback pair counts too (its gains and LOs act on the simulated channel).
    """
    def device(obj):
        for candidate in (obj, getattr(obj, "dev", None)):
            if isinstance(candidate, Device):
                return candidate
        return None

    rx = device(getattr(session, "rx_device", None))
    tx = device(getattr(session, "tx_device", None))
    return ([rx] if rx is not None else []), ([tx] if tx is not None else [])


def set_radio(session, lo_hz: float | None = None, rx_gain_db: float | None = None,
              tx_gain_db: float | None = None) -> None:
    """Retune a running session's radios, pyadi-iio style: ``rx_lo``/``tx_lo`` (Hz, both sides
    of a board), ``rx_hardwaregain_chan0`` (dB, manual gain mode), ``tx_hardwaregain_chan0``
    (dB, ≤ 0). The devices check the values (a bad one is a one-line error)."""
    receivers, transmitters = radios(session)
    if not receivers and not transmitters:
        raise DvstError("this session has no radio to tune")
    for dev in receivers:
        if lo_hz is not None:
            dev.rx_lo = int(round(lo_hz))
        if rx_gain_db is not None:
            dev.rx_hardwaregain_chan0 = float(rx_gain_db)
    for dev in transmitters:
        if lo_hz is not None:
            dev.tx_lo = int(round(lo_hz))
        if tx_gain_db is not None:
            dev.tx_hardwaregain_chan0 = float(tx_gain_db)

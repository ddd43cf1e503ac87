"""A simulated medium (``Air``) and loopback devices on it: two Plutos without hardware.

An :class:`Air` carries one transmitter's samples through a :class:`LoopbackChannel` to a
receiver. What the transmitter sends waits in a queue (``tx``) or repeats (``tx(cyclic=True)``);
the receiver pulls ``rx_buffer_size`` samples at a time, and when nothing is in flight the
channel is fed zeros, so the receiver sees its noise floor, exactly like a radio that listens
between bursts. The Pluto settings map onto the channel: TX attenuation and RX gain relative to
the scenario's reference gains, and the LO difference adds to the carrier offset (a burst more
than half the sample rate away is not received at all).

:func:`loopback_pair` gives two full-duplex devices (A -> B and B -> A, one Air each, seeds
spawned from one seed); ``LoopbackDevice.cable(channel, seed)`` is one device whose TX is wired
to its own RX.
"""

from __future__ import annotations

import collections
import threading
import time
from typing import Any

import numpy as np

from radio.channel import ChannelConfig, LoopbackChannel, load_channel_config
from radio.devices.base import DEFAULTS, Device
from radio.errors import RadioError


class Air:
    """One direction of a simulated link: transmit queue -> channel -> received stream."""

    # Like a DAC's buffers, the air holds a bounded backlog: a transmitter that runs ahead of
    # the receiver waits (up to BACKLOG_WAIT_S per burst, then goes on) instead of growing memory.
    MAX_BACKLOG = 1 << 18       # complex samples queued (2 MiB, ~130 ms at 2 MS/s: a few frames)
    BACKLOG_WAIT_S = 2.0

    def __init__(self, config: ChannelConfig, seed: int = 0, realtime: bool = False):
        self.config = config
        self.seed = int(seed)
        self.channel = LoopbackChannel(config, seed)
        self.realtime = bool(realtime)
        self._queue: collections.deque[np.ndarray] = collections.deque()
        self._cyclic: np.ndarray | None = None
        self._cyclic_pos = 0
        self._pending: list[np.ndarray] = []   # received samples not yet handed out
        self._n_pending = 0
        self._t0: float | None = None
        self._delivered = 0
        self.tx_settings: dict[str, Any] | None = None   # the transmitting device's settings
        self.rx_settings: dict[str, Any] | None = None   # the receiving device's settings
        self._lock = threading.RLock()   # a session may transmit and receive from two threads
        self._drained = threading.Condition(self._lock)
        self._backlog = 0                # samples in _queue

    def set_config(self, config: ChannelConfig) -> None:
        """Swap the scenario while streaming (new SNR, offsets, multipath): a fresh
        LoopbackChannel with the same seed; queued samples and pending output are kept."""
        with self._lock:
            self.config = config
            self.channel = LoopbackChannel(config, self.seed)

    # ---- transmitter side -------------------------------------------------------------------
    def push(self, samples: np.ndarray, cyclic: bool) -> None:
        """Queue a burst (complex64 [N], full-scale units) or make it the cyclic signal."""
        with self._lock:
            if cyclic:
                self._queue.clear()
                self._backlog = 0
                self._cyclic, self._cyclic_pos = samples.copy(), 0
            else:
                self._cyclic = None
                self._drained.wait_for(lambda: self._backlog < self.MAX_BACKLOG, self.BACKLOG_WAIT_S)
                self._queue.append(samples.copy())
                self._backlog += len(samples)

    def stop(self) -> None:
        """Stop the cyclic signal and drop whatever has not gone on air yet."""
        with self._lock:
            self._cyclic = None
            self._queue.clear()
            self._backlog = 0
            self._drained.notify_all()

    @property
    def in_flight(self) -> int:
        """Queued samples not yet on air (-1 while a cyclic signal repeats)."""
        with self._lock:
            return -1 if self._cyclic is not None else self._backlog

    def _take(self, n: int) -> np.ndarray:
        """The next n samples on air: the queue, else the cyclic signal, else silence."""
        out = np.zeros(n, dtype=np.complex64)
        k = 0
        while k < n and self._queue:
            head = self._queue[0]
            m = min(n - k, len(head))
            out[k:k + m] = head[:m]
            k += m
            if m == len(head):
                self._queue.popleft()
            else:
                self._queue[0] = head[m:]
            self._backlog -= m
        if k:
            self._drained.notify_all()
        if self._cyclic is not None:
            c = self._cyclic
            while k < n:
                m = min(n - k, len(c) - self._cyclic_pos)
                out[k:k + m] = c[self._cyclic_pos:self._cyclic_pos + m]
                k += m
                self._cyclic_pos = (self._cyclic_pos + m) % len(c)
        return out

    # ---- receiver side ------------------------------------------------------------------------
    def _sync_knobs(self) -> None:
        tx, rx, c = self.tx_settings, self.rx_settings, self.config
        ch = self.channel
        for side in (tx, rx):
            if side is not None and side["sample_rate"] != int(c.sample_rate):
                raise RadioError(f"the loopback channel simulates {c.sample_rate:g} S/s but a device is set "
                                f"to {side['sample_rate']:g} S/s; build the channel with "
                                "ChannelConfig.for_profile(profile, ...)")
        tx_gain = tx["tx_hardwaregain_chan0"] if tx is not None else c.tx_gain_ref_db
        ch.tx_gain_db = tx_gain - c.tx_gain_ref_db
        if rx is not None and rx["gain_control_mode_chan0"] == "manual":
            ch.rx_gain_db = rx["rx_hardwaregain_chan0"] - c.rx_gain_ref_db
        else:
            ch.rx_gain_db = 0.0   # an AGC settles at the reference gain
        if tx is not None and rx is not None:
            ch.lo_offset_hz = tx["tx_lo"] - rx["rx_lo"]
            if abs(ch.lo_offset_hz) >= rx["sample_rate"] / 2:   # outside the received band
                ch.tx_gain_db = -np.inf

    def pull(self, n: int) -> np.ndarray:
        """complex64 [n]: the next n received samples (paced to the sample rate if realtime)."""
        with self._lock:
            self._sync_knobs()
            while self._n_pending < n:
                need = n - self._n_pending
                y = self.channel.apply(self._take(need))
                if len(y):
                    self._pending.append(y)
                    self._n_pending += len(y)
            buf = np.concatenate(self._pending) if len(self._pending) > 1 else self._pending[0]
            out, rest = buf[:n], buf[n:]
            self._pending, self._n_pending = ([rest] if len(rest) else []), len(rest)
        if self.realtime:
            self._pace(n)
        return out.astype(np.complex64, copy=False)

    def _pace(self, n: int) -> None:
        rate = self.config.sample_rate if self.rx_settings is None else self.rx_settings["sample_rate"]
        now = time.monotonic()
        if self._t0 is None:
            self._t0 = now
        self._delivered += n
        wait = self._t0 + self._delivered / rate - now
        if wait > 0:
            time.sleep(wait)


class LoopbackDevice(Device):
    """A simulated Pluto: transmits into ``air_out``, receives from ``air_in`` (either may be None)."""

    kind = "loopback"

    def __init__(self, air_out: Air | None, air_in: Air | None):
        super().__init__()
        ref = (air_out or air_in).config
        self._settings = dict(DEFAULTS, sample_rate=int(ref.sample_rate), rx_lo=int(ref.center_freq),
                              tx_lo=int(ref.center_freq), tx_hardwaregain_chan0=ref.tx_gain_ref_db,
                              rx_hardwaregain_chan0=ref.rx_gain_ref_db)
        self.air_out, self.air_in = air_out, air_in
        if air_out is not None:
            air_out.tx_settings = self._settings
        if air_in is not None:
            air_in.rx_settings = self._settings

    @classmethod
    def cable(cls, channel: ChannelConfig | str = "awgn", seed: int = 0,
              realtime: bool = False) -> LoopbackDevice:
        """One device whose TX is wired to its own RX through the channel (a config or its name)."""
        air = Air(_config(channel), seed, realtime)
        return cls(air, air)

    @property
    def channel(self) -> LoopbackChannel | None:
        """The channel this device receives through."""
        return self.air_in.channel if self.air_in is not None else None

    def _get(self, name: str) -> Any:
        if name == "rx_hardwaregain_chan0" and self._settings["gain_control_mode_chan0"] != "manual":
            return (self.air_in or self.air_out).config.rx_gain_ref_db   # where the AGC settles
        return self._settings[name]

    def _set(self, name: str, value: Any) -> None:
        self._settings[name] = value

    def _tx(self, samples: np.ndarray, cyclic: bool) -> None:
        if self.air_out is None:
            raise RadioError("this loopback device has no transmit side")
        self.air_out.push(samples, cyclic)

    def _tx_destroy(self) -> None:
        if self.air_out is not None:
            self.air_out.stop()

    def _rx(self) -> np.ndarray:
        if self.air_in is None:
            raise RadioError("this loopback device has no receive side")
        return self.air_in.pull(self._settings["rx_buffer_size"])


def _config(config: ChannelConfig | str) -> ChannelConfig:
    return config if isinstance(config, ChannelConfig) else load_channel_config(config)


def loopback_pair(channel_config: ChannelConfig | str = "awgn", seed: int = 0,
                  realtime: bool = False) -> tuple[LoopbackDevice, LoopbackDevice]:
    """Two simulated Plutos sharing the simulator: (tx_dev, rx_dev).

    ``tx_dev.tx(...)`` arrives in ``rx_dev.rx()`` and the reverse direction works too (its own
    channel, independent seed). ``realtime=True`` paces ``rx()`` to the sample rate.
    """
    cfg = _config(channel_config)
    s_ab, s_ba = np.random.SeedSequence(int(seed)).spawn(2)
    ab = Air(cfg, int(s_ab.generate_state(1)[0]), realtime)
    ba = Air(cfg, int(s_ba.generate_state(1)[0]), realtime)
    return LoopbackDevice(ab, ba), LoopbackDevice(ba, ab)

"""What a session's devices may offer beyond ``tx(samples)`` / ``rx()``, as protocols.

The session checks these with ``isinstance`` (they are runtime-checkable), never by probing
attribute names: a device declares a feature by having the method or attribute.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class Interruptible(Protocol):
    """A receiver whose ``rx()`` may wait (for a transmitter, for samples): ``interrupt()``
    makes a waiting ``rx()`` return, so the session can stop."""

    def interrupt(self) -> None: ...


@runtime_checkable
class Flushable(Protocol):
    """A transmitter holding samples in buffers after the last frame: ``flush()`` sends them
    (and some silence) before the device is closed."""

    def flush(self) -> None: ...


@runtime_checkable
class ReportsIdleTime(Protocol):
    """A receiver that counts the seconds its ``rx()`` spent waiting rather than receiving
    (``idle_s``, monotonic), so the session's timing shows work only."""

    idle_s: float


@runtime_checkable
class CountsTraffic(Protocol):
    """A device that counts what went through it (``counters()`` → a dict of integers, e.g.
    samples and messages over ZeroMQ), for the run's summary."""

    def counters(self) -> dict: ...

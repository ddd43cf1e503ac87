"""``dvst bench radio``: the physical layer's figures on the loopback simulator.

Keys of ``--json``: rx_throughput_msps, tx_throughput_msps (one core, CPU time),
impl_loss_db_at_10db, header_success_at_0db, false_bursts_per_1e8_samples, cfo_rmse_hz,
snr_est_rmse_db, ldpc_decode_mbps, plus the settings used.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np


@dataclass
class LinkRun:
    """What :func:`run_link` sent and got: ``payloads[i]`` went out with frame_index i."""

    payloads: list
    bursts: list
    n_samples: int
    rx_cpu_s: float


def random_payload(rng: np.random.Generator, k: int) -> np.ndarray:
    """complex64 [k] unit-power complex Gaussian analog symbols."""
    return ((rng.normal(size=k) + 1j * rng.normal(size=k)) / np.sqrt(2)).astype(np.complex64)


def run_link(profile, channel=None, n_bursts: int = 4, payload_len: int = 2000, side_info: bytes = b"",
             seed: int = 0, chunk: int | list[int] = 8192, gap: tuple[int, int] = (300, 3000),
             skip: int = 0, receiver=None, **channel_overrides) -> LinkRun:
    """Send ``n_bursts`` random analog payloads through a LoopbackChannel into a Receiver.

    channel: a ChannelConfig, a shipped channel name or None ("awgn"); overrides are applied
    after ``ChannelConfig.for_profile``. chunk: receive buffer size, or a list of sizes used
    in turn. gap: range of zero samples before each burst. skip: drop this many received
    samples before the receiver starts (reception starting mid-stream).
    """
    from radio.channel.config import ChannelConfig
    from radio.channel.loopback import LoopbackChannel
    from radio.header import BurstHeader
    from radio.receiver import Receiver
    from radio.transmitter import Transmitter

    rng = np.random.default_rng(seed)
    cfg = ChannelConfig.for_profile(profile, channel if channel is not None else "awgn", **channel_overrides)
    ch = LoopbackChannel(cfg, seed=seed)
    tx = Transmitter(profile)
    rx = receiver if receiver is not None else Receiver(profile)
    payloads, parts = [], []
    for i in range(n_bursts):
        x = random_payload(rng, payload_len)
        payloads.append(x)
        parts.append(np.zeros(int(rng.integers(*gap)), np.complex64))
        parts.append(tx.modulate(BurstHeader(stream_id=seed & 0xFFFF, frame_index=i, side_info=side_info), x))
    parts.append(np.zeros(gap[1] + profile.symbol_len, np.complex64))
    sent = np.concatenate(parts)
    y = np.concatenate([ch.apply(sent[i:i + 65536]) for i in range(0, sent.size, 65536)])[skip:]
    sizes = chunk if isinstance(chunk, list) else [chunk]
    bursts, pos, j = [], 0, 0
    t0 = time.process_time()
    while pos < y.size:
        n = sizes[j % len(sizes)]
        bursts += rx.process(y[pos:pos + n])
        pos += n
        j += 1
    return LinkRun(payloads, bursts, int(y.size), time.process_time() - t0)


def output_snr_db(run: LinkRun) -> list[float]:
    """Per decoded burst: 10·log10(1 / mean |x̂ - x|²) of its analog payload."""
    out = []
    for b in run.bursts:
        if b.header is not None and b.header.frame_index < len(run.payloads):
            x = run.payloads[b.header.frame_index]
            if b.symbols.size == x.size:
                out.append(float(-10 * np.log10(np.mean(np.abs(b.symbols - x) ** 2))))
    return out

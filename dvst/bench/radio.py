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
    spans: list          # (first, last+1) transmitted sample index of each burst
    channel: object      # the LoopbackChannel (its stages keep their records, e.g. overflow events)


def random_payload(rng: np.random.Generator, k: int) -> np.ndarray:
    """complex64 [k] unit-power complex Gaussian analog symbols."""
    return ((rng.normal(size=k) + 1j * rng.normal(size=k)) / np.sqrt(2)).astype(np.complex64)


def run_link(profile, channel=None, n_bursts: int = 4, payload_len: int = 2000, side_info: bytes = b"",
             seed: int = 0, chunk: int | list[int] = 8192, gap: tuple[int, int] = (300, 3000),
             skip: int = 0, receiver=None, side_mcs: int = 0, **channel_overrides) -> LinkRun:
    """Send ``n_bursts`` random analog payloads through a LoopbackChannel into a Receiver.

    channel: a ChannelConfig, a shipped channel name or None ("awgn"); overrides are applied
    after ``ChannelConfig.for_profile``. chunk: receive buffer size, or a list of sizes used
    in turn. gap: range of zero samples before each burst. skip: drop this many received
    samples before the receiver starts (reception starting mid-stream). side_mcs: the
    side information's MCS index (radio.side_mcs).
    """
    from radio.channel.loopback_channel import LoopbackChannel
    from radio.channel.scenario import ChannelConfig
    from radio.header import BurstHeader
    from radio.receiver import Receiver
    from radio.transmitter import Transmitter

    rng = np.random.default_rng(seed)
    cfg = ChannelConfig.for_profile(profile, channel if channel is not None else "awgn", **channel_overrides)
    ch = LoopbackChannel(cfg, seed=seed)
    tx = Transmitter(profile)
    rx = receiver if receiver is not None else Receiver(profile)
    payloads, parts, spans, pos = [], [], [], 0
    for i in range(n_bursts):
        x = random_payload(rng, payload_len)
        payloads.append(x)
        parts.append(np.zeros(int(rng.integers(*gap)), np.complex64))
        parts.append(tx.modulate(BurstHeader(stream_id=seed & 0xFFFF, frame_index=i, side_info=side_info,
                                             side_mcs=side_mcs), x))
        pos += parts[-2].size
        spans.append((pos, pos + parts[-1].size))
        pos += parts[-1].size
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
    return LinkRun(payloads, bursts, int(y.size), time.process_time() - t0, spans, ch)


def output_snr_db(run: LinkRun) -> list[float]:
    """Per decoded burst: 10·log10(1 / mean |x̂ - x|²) of its analog payload."""
    out = []
    for b in run.bursts:
        if b.header is not None and b.header.frame_index < len(run.payloads):
            x = run.payloads[b.header.frame_index]
            if b.symbols.size == x.size:
                out.append(float(-10 * np.log10(np.mean(np.abs(b.symbols - x) ** 2))))
    return out


# ---- the benchmark --------------------------------------------------------------------
def _machine() -> dict:
    import os

    from dvst.bench import cpu_name

    return {"cpu": cpu_name(), "cores": os.cpu_count(), "load_avg_1min": os.getloadavg()[0]}


def measure_rx_throughput(profile, n_bursts: int, payload_len: int = 20000, seed: int = 1,
                          repeats: int = 5) -> dict:
    """Receive-chain speed on a burst stream (10 dB AWGN, 1 ms gaps) and on noise alone, fed in
    ``rx_buffer_size`` buffers; samples per CPU second of the calling thread, best of
    ``repeats`` passes over the same received samples (timeit-style: the least disturbed one)."""
    from radio.receiver import Receiver

    chunk = profile.rx_buffer_size
    warm = Receiver(profile)
    run_link(profile, n_bursts=1, payload_len=500, seed=seed, snr_db=10.0, receiver=warm)  # compile / cache
    best, ok = np.inf, 0
    for _ in range(repeats):
        run = run_link(profile, n_bursts=n_bursts, payload_len=payload_len, seed=seed, snr_db=10.0,
                       chunk=chunk, gap=(2000, 2001))
        best = min(best, run.rx_cpu_s)
        ok = sum(b.header is not None for b in run.bursts)
    rng = np.random.default_rng(seed)
    n = 8 * chunk
    noise = ((rng.standard_normal(n) + 1j * rng.standard_normal(n)) * 0.01).astype(np.complex64)
    noise_s = np.inf
    for _ in range(repeats):
        rx = Receiver(profile)
        t0 = time.process_time()
        for i in range(0, n, chunk):
            rx.process(noise[i:i + chunk])
        noise_s = min(noise_s, time.process_time() - t0)
    return {"rx_throughput_msps": run.n_samples / best / 1e6, "rx_bursts_decoded": ok,
            "rx_bursts_sent": n_bursts, "rx_noise_throughput_msps": n / noise_s / 1e6,
            "rx_burst_payload_symbols": payload_len}


def measure_tx_throughput(profile, payload_len: int = 20000, repeats: int = 20) -> float:
    from radio.header import BurstHeader
    from radio.transmitter import Transmitter

    tx = Transmitter(profile)
    x = random_payload(np.random.default_rng(2), payload_len)
    h = BurstHeader(side_info=bytes(64))
    tx.modulate(h, x)
    best = np.inf
    for _ in range(repeats):
        t0 = time.process_time()
        n = tx.modulate(h, x).size
        best = min(best, time.process_time() - t0)
    return n / best / 1e6


def measure_impl_loss(profile, snr_db: float = 10.0, n_runs: int = 8, payload_len: int = 10000) -> float:
    """Channel SNR minus the analog payload's output SNR (pooled MSE), AWGN, dB."""
    mse = []
    for seed in range(n_runs):
        run = run_link(profile, n_bursts=3, payload_len=payload_len, seed=100 + seed, snr_db=snr_db)
        mse += [10 ** (-s / 10) for s in output_snr_db(run)]
    return float(snr_db + 10 * np.log10(np.mean(mse))) if mse else float("nan")


def measure_header_success(profile, snr_db: float = 0.0, n_bursts: int = 1000) -> float:
    """Fraction of sent bursts whose header decodes (detection included), AWGN."""
    ok = 0
    per = 50
    for seed in range(0, n_bursts, per):
        k = min(per, n_bursts - seed)
        run = run_link(profile, n_bursts=k, payload_len=84, seed=1000 + seed, snr_db=snr_db, gap=(200, 1500))
        ok += len({b.header.frame_index for b in run.bursts if b.header is not None})
    return ok / n_bursts


def measure_false_bursts(profile, n_samples: int, chunk: int = 1 << 20, seed: int = 3) -> int:
    """Bursts reported (header or not) on complex Gaussian noise, fed chunk by chunk."""
    from dvst.console import progress
    from radio.receiver import Receiver

    rx = Receiver(profile)
    rng = np.random.default_rng(seed)
    found = 0
    with progress(total=n_samples, desc="noise samples", unit="S", unit_scale=True) as bar:
        done = 0
        while done < n_samples:
            n = min(chunk, n_samples - done)
            x = np.empty(n, np.complex64)
            x.real = rng.standard_normal(n, np.float32)
            x.imag = rng.standard_normal(n, np.float32)
            found += len(rx.process(x * np.float32(0.02)))
            done += n
            bar.update(n)
    return found


def measure_cfo_and_snr(profile, n_runs: int) -> dict:
    """CFO RMSE (uniform ±120 kHz, 10 dB) and in-band SNR-estimate RMSE (uniform 0 .. 25 dB)."""
    rng = np.random.default_rng(7)
    cfo_err, snr_err = [], []
    for i in range(n_runs):
        cfo = float(rng.uniform(-120e3, 120e3))
        run = run_link(profile, n_bursts=2, payload_len=2000, seed=200 + i, snr_db=10.0,
                       cfo_hz=cfo, sfo_ppm=0.0)
        cfo_err += [b.cfo_hz - cfo for b in run.bursts if b.header is not None]
        snr = float(rng.uniform(0.0, 25.0))
        run = run_link(profile, n_bursts=2, payload_len=2000, seed=300 + i, snr_db=snr)
        snr_err += [b.snr_db - snr for b in run.bursts if b.header is not None]
    rms = lambda e: float(np.sqrt(np.mean(np.square(e)))) if e else float("nan")  # noqa: E731
    return {"cfo_rmse_hz": rms(cfo_err), "snr_est_rmse_db": rms(snr_err),
            "snr_est_bias_db": float(np.mean(snr_err)) if snr_err else float("nan")}


def run(args) -> int:
    from dvst.console import print_table, write_json
    from radio.fec.ldpc import ldpc_decode_throughput_mbps
    from radio.profile import load_profile

    if args.noise_samples is not None and not 1 <= args.noise_samples < float("inf"):  # NaN too
        from dvst.errors import DvstError

        raise DvstError(f"--noise-samples must be a positive count, got {args.noise_samples:g}")
    profile = load_profile(args.profile)
    quick = args.quick
    fig: dict = {"profile": profile.name, "quick": quick, "machine": _machine()}
    fig.update(measure_rx_throughput(profile, n_bursts=6 if quick else 30))
    fig["tx_throughput_msps"] = measure_tx_throughput(profile)
    fig["impl_loss_db_at_10db"] = measure_impl_loss(profile, n_runs=3 if quick else 12)
    n_hdr = 200 if quick else 1000
    fig["header_success_at_0db"] = measure_header_success(profile, 0.0, n_hdr)
    fig["header_bursts_at_0db"] = n_hdr
    n_noise = int(args.noise_samples or (1e7 if quick else 1e8))
    found = measure_false_bursts(profile, n_noise)
    fig["false_bursts_per_1e8_samples"] = found * 1e8 / n_noise
    fig["false_alarm_noise_samples"] = n_noise
    fig.update(measure_cfo_and_snr(profile, n_runs=5 if quick else 25))
    fig["ldpc_decode_mbps"] = float(ldpc_decode_throughput_mbps("6144_4096", seconds=1.0 if quick else 3.0))
    rows = [(k, v) for k, v in fig.items() if not isinstance(v, dict)]
    rows += [(f"machine.{k}", v) for k, v in fig["machine"].items()]
    print_table(rows, title=f"dvst bench radio ({'quick' if quick else 'full'}, profile {profile.name})")
    write_json(args.json, fig)
    return 0


def register(sub) -> None:
    from dvst.console import add_json_flag

    p = sub.add_parser("radio", help="physical layer: speed, implementation loss, header, sync",
                       description="OFDM PHY figures on the loopback simulator (docs/radio.md).")
    p.add_argument("--radio", "--profile", dest="profile", metavar="PROFILE", default="default",
                   help="radio profile (name under radio/profiles/ or a file), as in the link commands")
    p.add_argument("--quick", action="store_true", help="fewer bursts and 1e7 noise samples (about a minute)")
    p.add_argument("--noise-samples", type=float, default=None,
                   help="noise samples for the false-burst count (default 1e8, 1e7 with --quick)")
    add_json_flag(p)
    p.set_defaults(func=run)

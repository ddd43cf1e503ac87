"""Carrier-frequency offset between two boards, in ppm, and the ``xo_correction`` that removes it.

On the AD9361 one 40 MHz crystal drives the LO and the sample clock, so two boards whose
crystals differ by ``ppm`` see the carrier off by ``ppm·f_c`` *and* every baseband frequency
scaled by (1 + ppm). The transmitter sends a tone at ``f0`` (a cyclic buffer); it arrives at
``f0 + ppm·1e-6·(f_c + f0)``, so

    ppm = (f_measured − f0) / (f_c + f0) · 1e6,     cfo_hz = ppm · 1e-6 · f_c.

The tone's frequency is found coarsely from a Hann-windowed FFT peak (searched only within
``±max_ppm`` of ``f0``, away from DC and from the tone's IQ image at −f0) and refined from the
phase slope of the derotated tone over the capture. Positive ppm: the transmitter's crystal is
fast (its signal arrives above our LO).

``xo_correction`` (the ad9361-phy IIO attribute: the reference frequency the driver assumes, Hz)
of the *receiving* board: ``xo / (1 + ppm·1e-6)`` makes the driver program its LO and sample
clock ppm higher, matching the transmitter — carrier and sample-clock offsets both vanish.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from calibration.capture import Link, dbfs, is_pluto, tone
from calibration.errors import CalibrationError
from radio.profile import RadioProfile

TONE_BUFFER = 8192         # samples of the cyclic tone buffer
SEGMENT = 512              # samples per phase point of the fine estimate (unambiguous ±fs/2/SEGMENT)
MIN_TONE_SNR_DB = 20.0     # peak over the median FFT bin: below this there is no tone to trust


@dataclass
class CarrierOffset:
    """ppm: transmitter crystal relative to this board's; cfo_hz = ppm·1e-6·center_freq (Hz);
    spread_ppm: standard deviation over the captures; tone_hz: f0; tone_snr_db: tone power over
    the FFT's noise floor per bin; xo_measured: this board's xo_correction during the
    measurement (None: not a Pluto); xo_correction: the value that cancels the offset;
    xo_applied: it was written to the board (ppm then is what remained)."""

    ppm: float = 0.0
    cfo_hz: float = 0.0
    center_freq: float = 2.4e9
    spread_ppm: float = 0.0
    tone_hz: float = 0.0
    tone_snr_db: float = 0.0
    xo_measured: int | None = None
    xo_correction: int | None = None
    xo_applied: bool = False


def tone_frequency(x: np.ndarray, sample_rate: float, f0: float, search_hz: float) -> tuple[float, float]:
    """Frequency (Hz) of the strongest tone within f0 ± search_hz in x complex [N], and its
    peak-to-median power ratio in the FFT (dB)."""
    x = np.asarray(x, np.complex128)
    n = x.size
    if n < 8 * SEGMENT:
        raise CalibrationError(f"a CFO estimate needs at least {8 * SEGMENT} samples, got {n}")
    spec = np.abs(np.fft.fft((x - x.mean()) * np.hanning(n))) ** 2
    freqs = np.fft.fftfreq(n, 1.0 / sample_rate)
    band = np.flatnonzero(np.abs(freqs - f0) <= search_hz)
    k = int(band[np.argmax(spec[band])])
    outside = np.flatnonzero((np.abs(freqs - f0) > search_hz) & (np.abs(freqs) > 8 * sample_rate / n))
    if outside.size and spec[outside].max() > 4 * spec[k]:
        far = float(freqs[outside[np.argmax(spec[outside])]])
        raise CalibrationError(f"the strongest tone arrives at {far / 1e3:.1f} kHz, outside the search of "
                        f"{f0 / 1e3:g} +- {search_hz / 1e3:.1f} kHz: the boards differ by more than the "
                        "ppm searched (or an interferer is stronger than the test tone)")
    # Gaussian interpolation of the peak on log power
    a, b, c = np.log(spec[[(k - 1) % n, k, (k + 1) % n]] + 1e-300)
    den = a - 2 * b + c
    delta = 0.5 * (a - c) / den if den < 0 else 0.0
    f = freqs[k] + float(np.clip(delta, -0.5, 0.5)) * sample_rate / n
    # Fine: phase slope of the derotated tone, segment by segment
    m = n // SEGMENT
    t = np.arange(m * SEGMENT)
    z = (x[: m * SEGMENT] * np.exp(-2j * np.pi * f * t / sample_rate)).reshape(m, SEGMENT).mean(axis=1)
    phase = np.unwrap(np.angle(z))
    slope = np.polyfit(np.arange(m) * SEGMENT, phase, 1)[0]     # rad per sample
    f += slope * sample_rate / (2 * np.pi)
    snr = dbfs(spec[k]) - dbfs(np.median(spec))
    return float(f), float(snr)


def read_xo_correction(device) -> int | None:
    """The board's ``xo_correction`` (Hz), or None if it has none (simulator, FakePluto)."""
    sdr = getattr(device, "sdr", None)
    if sdr is None:
        return None
    if hasattr(sdr, "xo_correction"):
        return int(sdr.xo_correction)
    try:
        return int(sdr._get_iio_dev_attr("xo_correction"))   # pyadi-iio: ad9361-phy attribute
    except Exception:
        return None


def apply_xo_correction(device, xo_hz: int) -> None:
    """Write ``xo_correction`` (Hz) to a Pluto; a CalibrationError where the board has none."""
    sdr = getattr(device, "sdr", None)
    try:
        if sdr is not None and hasattr(sdr, "xo_correction"):
            sdr.xo_correction = int(xo_hz)
            return
        if sdr is not None and hasattr(sdr, "_set_iio_dev_attr"):
            sdr._set_iio_dev_attr("xo_correction", int(xo_hz))
            return
    except Exception as e:
        raise CalibrationError(f"the board refused xo_correction = {int(xo_hz)}: {e}") from None
    raise CalibrationError(f"the {getattr(device, 'kind', 'device')} device has no xo_correction to set")


def xo_for(ppm: float, xo_now: int | None) -> int | None:
    """The xo_correction (Hz) that moves this board's clocks by +ppm."""
    if xo_now is None:
        return None
    return int(round(xo_now / (1 + ppm * 1e-6)))


def measure_cfo(link: Link, profile: RadioProfile, n_samples: int = 1 << 16, n_captures: int = 4,
                max_ppm: float = 100.0, tx_gain_db: float | None = None,
                apply_xo: bool = False) -> CarrierOffset:
    """Measure the offset of ``link.tx``'s crystal relative to ``link.rx``'s with a tone at fs/8.

    max_ppm: search range (capped so the search stays clear of DC and of the tone's image).
    apply_xo: write the cancelling xo_correction to the receiving Pluto and measure again.
    """
    fs, fc = float(profile.sample_rate), float(profile.center_freq)
    wave, f0 = tone(profile, fs / 8, TONE_BUFFER)
    search = min(max_ppm * 1e-6 * (fc + f0), 0.9 * f0)
    if tx_gain_db is not None:
        link.set_gains(tx_gain_db=tx_gain_db)
    link.transmit(wave)
    try:
        result = _measure(link, fs, fc, f0, search, n_samples, n_captures)
        if apply_xo:
            if result.xo_correction is None:
                raise CalibrationError("xo_correction can only be applied to a PlutoSDR")
            apply_xo_correction(link.rx, result.xo_correction)
            link.flush()
            result = _measure(link, fs, fc, f0, search, n_samples, n_captures)
            result.xo_applied = True
    finally:
        link.quiet()
    return result


def _measure(link: Link, fs: float, fc: float, f0: float, search: float, n: int, captures: int) -> CarrierOffset:
    xo = read_xo_correction(link.rx) if is_pluto(link.rx) else None
    ests = [tone_frequency(link.capture(n), fs, f0, search) for _ in range(max(1, captures))]
    snr = float(np.median([s for _, s in ests]))
    if snr < MIN_TONE_SNR_DB:
        raise CalibrationError(f"no test tone within +-{search / fc * 1e6:.0f} ppm of {f0 / 1e3:g} kHz (peak only "
                        f"{snr:.1f} dB over the noise); check the transmitter, antennas or cable")
    ppms = np.array([(f - f0) / (fc + f0) * 1e6 for f, _ in ests])
    ppm = float(np.median(ppms))
    return CarrierOffset(ppm=ppm, cfo_hz=ppm * 1e-6 * fc, center_freq=fc,
                         spread_ppm=float(ppms.std()), tone_hz=f0,
                         tone_snr_db=snr,
                         xo_measured=xo, xo_correction=xo_for(ppm, xo))

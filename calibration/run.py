"""Orchestration: open the boards, run the routines in order, build the board's profile.

Order (each step uses what the previous ones found):

1. ``noise`` — noise floor over the RX gain range, and the gain at which the bursts saturate;
2. ``cfo`` — the crystals' offset (tone), so the receiver can start from it;
3. ``iq`` — IQ imbalance and DC offset on the quiet receiver, at the gain where the noise is
   richest without risk of clipping (about -30 dBFS);
4. ``gain`` — the TX/RX sweep, received *with* the corrections found so far;
5. the DC offset again at the recommended RX gain (it scales with the gain).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

import numpy as np

from calibration.board_profile import CalibrationProfile, apply_profile
from calibration.capture import Link, board_id
from calibration.cfo import measure_cfo
from calibration.errors import CalibrationError
from calibration.gain_sweep import sweep_gains
from calibration.iq import MIN_NOISE_DBFS, measure_dc, measure_iq
from calibration.noise_floor import measure_noise_floor
from radio.profile import RadioProfile

ROUTINES = ("noise", "cfo", "iq", "gain")
IQ_NOISE_DBFS = -30.0      # noise level wanted for the IQ estimate: far above the ADC step, far below clipping


def open_link(kind: str, profile: RadioProfile, uri: str | None = None, tx_uri: str | None = None,
              channel: str = "two-plutos-bench", seed: int = 0) -> Link:
    """The boards to calibrate. ``pluto``: the board at ``uri`` receives, the one at ``tx_uri``
    transmits (omitted: ``uri`` itself, TX cabled to RX through an attenuator). ``loopback`` and
    ``fake-pluto``: two simulated boards over ``channel`` (a shipped scenario name or path)."""
    from radio.channel import ChannelConfig
    from radio.devices import PlutoDevice, fake_pluto_pair, loopback_pair

    if kind == "pluto":
        rx = PlutoDevice(uri or "ip:192.168.2.1")
        try:
            tx = PlutoDevice(tx_uri) if tx_uri and tx_uri != uri else rx
        except BaseException:
            rx.close()  # the receiving board is open already
            raise
    elif kind in ("loopback", "fake-pluto"):
        cfg = ChannelConfig.for_profile(profile, channel)
        if kind == "loopback":
            tx, rx = loopback_pair(cfg, seed)
        else:
            a, b = fake_pluto_pair(cfg, seed)
            tx, rx = PlutoDevice(sdr=a), PlutoDevice(sdr=b)
    else:
        raise CalibrationError(f"calibration runs on a pluto, loopback or fake-pluto device, not {kind!r}")
    link = Link(tx, rx)
    try:
        link.prepare(profile)
    except BaseException:
        close_link(link)
        raise
    return link


def close_link(link: Link) -> None:
    for dev in {id(link.tx): link.tx, id(link.rx): link.rx}.values():
        dev.close()


def new_profile(link: Link, profile: RadioProfile) -> CalibrationProfile:
    return CalibrationProfile(board=board_id(link.rx), peer=board_id(link.tx),
                              device=getattr(link.rx, "kind", "device"), radio=profile.name,
                              center_freq=float(profile.center_freq), sample_rate=float(profile.sample_rate),
                              created=datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))


def iq_gain(cal: CalibrationProfile, profile: RadioProfile) -> float:
    """The RX gain for the IQ estimate: noise nearest IQ_NOISE_DBFS (the profile's gain if the
    noise floor was not measured)."""
    nf = cal.noise_floor
    if nf is None or not nf.rx_gain_db:
        return float(profile.rx_gain_db)
    noise = np.asarray(nf.noise_dbfs)
    ok = noise >= MIN_NOISE_DBFS
    if not ok.any():
        raise CalibrationError(f"the receiver's noise stays below {MIN_NOISE_DBFS:g} dBFS at every RX gain; "
                        "nothing to estimate the IQ imbalance on")
    cand = np.flatnonzero(ok)
    return float(nf.rx_gain_db[int(cand[np.argmin(np.abs(noise[cand] - IQ_NOISE_DBFS))])])


def calibrate(link: Link, profile: RadioProfile, routines=ROUTINES, cal: CalibrationProfile | None = None,
              target_snr_db: float = 25.0, apply_xo: bool = False,
              log: Callable[[str], None] | None = None) -> CalibrationProfile:
    """Run ``routines`` (a subset of ROUTINES, run in ROUTINES order) on ``link`` and return the
    board's profile (``cal`` updated, or a new one). ``log`` gets one line per step."""
    unknown = sorted(set(routines) - set(ROUTINES))
    if unknown:
        raise CalibrationError(f"unknown calibration routine {unknown[0]!r}; known: {', '.join(ROUTINES)}")
    say = log or (lambda _msg: None)
    cal = cal or new_profile(link, profile)
    if "noise" in routines:
        say("noise floor and ADC saturation: sweeping the RX gain")
        cal.noise_floor = measure_noise_floor(link, profile)
    if "cfo" in routines:
        say("carrier offset: tone at fs/8")
        cal.cfo = measure_cfo(link, profile, apply_xo=apply_xo)
    if "iq" in routines:
        g = iq_gain(cal, profile)
        say(f"IQ imbalance and DC offset: quiet receiver at RX gain {g:g} dB")
        cal.iq = measure_iq(link, rx_gain_db=g)
    if "gain" in routines:
        say(f"gain sweep for {target_snr_db:g} dB SNR")
        sat = cal.noise_floor.saturation_rx_gain_db if cal.noise_floor is not None else None
        cal.gain = sweep_gains(link, apply_profile(profile, cal), target_snr_db=target_snr_db,
                               saturation_rx_gain_db=sat)
        if cal.gain.rx_gain_db is None:
            raise CalibrationError("no setting of the sweep decoded every burst without clipping; check the "
                            "antennas/cable and the attenuation")
    if cal.iq is not None and cal.gain is not None and cal.iq.rx_gain_db != cal.gain.rx_gain_db:
        say(f"DC offset at the recommended RX gain {cal.gain.rx_gain_db:g} dB")
        cal.iq.dc_offset = measure_dc(link, cal.gain.rx_gain_db)
        cal.iq.rx_gain_db = cal.gain.rx_gain_db
    cal.__post_init__()   # the measured values must be a loadable profile
    return cal

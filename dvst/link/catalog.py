"""What a link can be set up with: the shipped radio profiles and channel scenarios and their
numbers, for the GUI's controls (which import no radio module themselves)."""

from __future__ import annotations


def scenario_defaults(name: str) -> dict:
    """The live knobs of a shipped loopback scenario: cfo_ppm, sfo_ppm, multipath, snr_db."""
    from radio.channel.scenario import load_channel_config

    c = load_channel_config(name)
    return {"cfo_ppm": c.effective_cfo_hz / c.center_freq * 1e6, "sfo_ppm": c.effective_sfo_ppm,
            "multipath": c.multipath, "snr_db": c.snr_db}


def radio_defaults(name: str) -> dict:
    """LO (Hz) and gains (dB) of a radio profile (radio/profiles/NAME.yaml): lo_hz, rx_gain_db, tx_gain_db."""
    from radio.profile import load_profile

    p = load_profile(name)
    return {"lo_hz": p.center_freq, "rx_gain_db": p.rx_gain_db, "tx_gain_db": p.tx_gain_db}


def shipped_scenarios() -> list[str]:
    """Names of the loopback channel scenarios under radio/channel/scenarios/."""
    from foundation.yaml_config import shipped_names
    from radio.channel.scenario import SCENARIOS

    return shipped_names(SCENARIOS)


def multipath_profiles() -> list[str]:
    """The simulator's tapped-delay-line profiles, by name."""
    from radio.channel.multipath import TDL_PROFILES

    return sorted(TDL_PROFILES)

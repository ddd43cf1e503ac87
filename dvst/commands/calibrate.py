"""``dvst calibrate``: measure a board (or a pair) and save its calibration profile.

    dvst calibrate all   --device loopback|fake-pluto|pluto [--uri URI] [--tx-uri URI] --out PROFILE.yaml
    dvst calibrate noise|cfo|iq|gain ... --out PROFILE.yaml    (one routine; updates PROFILE.yaml)
    dvst calibrate show  PROFILE.yaml
"""

from __future__ import annotations

import os

from dvst.console import add_json_flag, print_table, write_json

ROUTINE_HELP = {
    "all": "every routine in order: noise, cfo, iq, gain",
    "noise": "noise floor over the RX gain range and the RX gain at which the ADC saturates",
    "cfo": "carrier offset between the boards (ppm) and the xo_correction that cancels it",
    "iq": "DC offset and IQ gain/phase imbalance of the receiver",
    "gain": "TX attenuation / RX gain sweep and the operating point for a target SNR",
}


def register(sub) -> None:
    p = sub.add_parser("calibrate", help="measure the radios and save a calibration profile",
                       description="Measure a PlutoSDR (or the loopback simulator) and save the board's "
                                   "calibration profile, which dvst tx/rx/gui load with --calibration.")
    routines = p.add_subparsers(dest="routine", metavar="ROUTINE")
    for name, text in ROUTINE_HELP.items():
        r = routines.add_parser(name, help=text, description=text)
        r.add_argument("--device", choices=("loopback", "fake-pluto", "pluto"), default="pluto",
                       help="pluto (a real board), loopback or fake-pluto (simulated pair); default pluto")
        r.add_argument("--uri", help="the receiving board (ip:HOST or usb:...; default ip:192.168.2.1)")
        r.add_argument("--tx-uri", help="the transmitting board (default: --uri, TX cabled to RX)")
        r.add_argument("--radio", default="default", help="radio profile (radio/profiles/NAME.yaml or a path)")
        r.add_argument("--channel", default="two-plutos-bench",
                       help="simulated devices: channel scenario (radio/channel/scenarios/NAME.yaml or a path)")
        r.add_argument("--seed", type=int, default=0, help="simulated devices: seed")
        r.add_argument("--target-snr", type=float, default=25.0, metavar="DB",
                       help="gain sweep: the in-band SNR to reach (default 25 dB)")
        r.add_argument("--apply-xo", action="store_true",
                       help="cfo: write the cancelling xo_correction to the receiving Pluto, then measure again")
        r.add_argument("--out", required=True, metavar="PROFILE.yaml",
                       help="calibration profile to write (a single routine updates it if it exists)")
        add_json_flag(r)
        r.set_defaults(func=run)
    s = routines.add_parser("show", help="print a calibration profile", description="Print a calibration profile.")
    s.add_argument("profile", metavar="PROFILE.yaml")
    add_json_flag(s)
    s.set_defaults(func=show)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def run(args) -> int:
    from calibration.board_profile import load_calibration, save_calibration
    from calibration.run import ROUTINES, calibrate, close_link, new_profile, open_link
    from dvst.errors import DvstError
    from radio.profile import load_profile

    if not -30 <= args.target_snr <= 60:  # also rejects NaN
        raise DvstError(f"--target-snr must be in -30 .. 60 dB, got {args.target_snr}")
    profile = load_profile(args.radio)
    routines = ROUTINES if args.routine == "all" else (args.routine,)
    link = open_link(args.device, profile, uri=args.uri, tx_uri=args.tx_uri, channel=args.channel, seed=args.seed)
    try:
        cal = None
        if args.routine != "all" and os.path.exists(args.out):
            cal = load_calibration(args.out)
            here = new_profile(link, profile)
            if cal.board != here.board:
                raise DvstError(f"{args.out} belongs to board {cal.board}, not {here.board}; "
                                "use another --out")
        cal = calibrate(link, profile, routines, cal=cal, target_snr_db=args.target_snr,
                        apply_xo=args.apply_xo, log=lambda m: print(f"  {m}", flush=True))
    finally:
        close_link(link)
    path = save_calibration(cal, args.out)
    print_table(summary_rows(cal), title=f"calibration of {cal.board} → {path}")
    write_json(args.json, _plain(cal))
    return 0


def show(args) -> int:
    from calibration.board_profile import load_calibration

    cal = load_calibration(args.profile)
    print_table(summary_rows(cal), title=f"calibration profile {args.profile}")
    write_json(args.json, _plain(cal))
    return 0


def _plain(cal) -> dict:
    from foundation.yaml_config import to_mapping

    return to_mapping(cal)


def summary_rows(cal) -> list[tuple[str, object]]:
    """Human-readable rows of a CalibrationProfile."""
    rows: list[tuple[str, object]] = [("board", cal.board), ("transmitter", cal.peer or "-"),
                                      ("device", cal.device), ("created", cal.created or "-"),
                                      ("carrier", f"{cal.center_freq / 1e6:g} MHz at {cal.sample_rate / 1e6:g} MS/s")]
    nf = cal.noise_floor
    if nf is not None:
        sat = "none up to 71 dB" if nf.saturation_rx_gain_db is None else f"{nf.saturation_rx_gain_db:g} dB"
        rows.append(("ADC saturates at RX gain", f"{sat} (bursts at TX {nf.tx_gain_db:g} dB)"))
        for g in (0.0, 20.0, 40.0, 60.0):
            if nf.rx_gain_db and nf.rx_gain_db[0] <= g <= nf.rx_gain_db[-1]:
                n = nf.noise_at(g)
                rows.append((f"noise floor at {g:g} dB", f"{n:.1f} dBFS" if n > -150 else "below one ADC step"))
    c = cal.cfo
    if c is not None:
        rows.append(("carrier offset", f"{c.ppm:+.3f} ppm = {c.cfo_hz:+.0f} Hz at {c.center_freq / 1e6:g} MHz"))
        if c.xo_correction is not None:
            state = "applied" if c.xo_applied else f"to apply (now {c.xo_measured})"
            rows.append(("xo_correction", f"{c.xo_correction} Hz, {state}"))
    q = cal.iq
    if q is not None:
        rows.append(("IQ imbalance", f"{q.gain_db:+.3f} dB, {q.phase_deg:+.2f} deg "
                                     f"(image rejection {q.image_rejection_db:.1f} dB)"))
        rows.append(("DC offset", f"I {q.dc_offset[0]:+.5f}, Q {q.dc_offset[1]:+.5f} FS "
                                  f"at RX gain {q.rx_gain_db:g} dB"))
    g = cal.gain
    if g is not None and g.tx_gain_db is not None:
        met = "met" if g.target_met else "NOT met"
        rows.append(("operating point", f"TX {g.tx_gain_db:g} dB, RX {g.rx_gain_db:g} dB → "
                                        f"{g.snr_db:.1f} dB SNR (target {g.target_snr_db:g} dB {met})"))
        rows.append(("sweep points", len(g.points)))
    return rows

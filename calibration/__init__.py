"""Measurement routines that make two real boards work, saved as a YAML profile.

One routine per module — ``noise_floor``, ``gain_sweep``, ``cfo``, ``iq`` — each on a
:class:`calibration.capture.Link` (a transmitting and a receiving ``radio.devices.Device``);
``profile`` holds the board's :class:`CalibrationProfile` (YAML) and :func:`apply_profile`;
``run`` orders the routines. See docs/calibration.md.
"""

from calibration.board_profile import (
                                 CalibratedProfile,
                                 CalibrationProfile,
                                 apply_profile,
                                 configure_device,
                                 load_calibration,
                                 save_calibration,
)

__all__ = ["CalibratedProfile", "CalibrationProfile", "apply_profile", "configure_device", "load_calibration",
           "save_calibration"]

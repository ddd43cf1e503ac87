"""The calibration layer's error (a capture that cannot be measured, a bad profile)."""

from foundation.errors import ProjectError


class CalibrationError(ProjectError):
    """A user-facing calibration error; one line."""

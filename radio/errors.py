"""The radio layer's error: bad input the PHY, a device or a channel scenario can name (a
missing Pluto, a bad sample rate, a malformed burst request)."""

from foundation.errors import ProjectError


class RadioError(ProjectError):
    """A user-facing radio error; one line."""

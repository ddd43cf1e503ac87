"""The one exception type users see.

Every layer (codec, radio, sync, calibration, baselines, GUI) raises :class:`DvstError` for
bad input it can name: a broken video file, a corrupt checkpoint, a bad YAML key, a missing
radio. The ``dvst`` command prints its message on one line and exits with status 2; any
other exception is a bug.
"""


class DvstError(Exception):
    """A user-facing error whose message fits on one line."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so that a run stops as it does on Ctrl-C: outputs
    closed and playable, the summary marked as cut short."""

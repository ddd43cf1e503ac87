"""The base of every error a user may see.

Each layer raises its own subclass for bad input it can name (``radio.errors.RadioError``,
``calibration.errors.CalibrationError``, ``baselines.errors.BaselineError``,
``dvst.errors.DvstError``, :class:`ConfigError` for YAML files). The ``dvst`` command prints
any :class:`ProjectError` on one line and exits with status 2; any other exception is a bug.
"""


class ProjectError(Exception):
    """A user-facing error whose message fits on one line."""


class ConfigError(ProjectError):
    """A configuration file or value that cannot be used (missing, malformed, unknown key)."""


class ParameterError(ProjectError):
    """A bad value of one named parameter. The message names it as the library does
    (``snr_db``, ``frames``); the ``dvst`` command says its flag instead (``--snr``)."""

    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter = parameter

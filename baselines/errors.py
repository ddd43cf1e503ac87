"""The baselines' error (a video the reference encoder refuses, an impossible MCS)."""

from foundation.errors import ProjectError


class BaselineError(ProjectError):
    """A user-facing error of a baseline scheme; one line."""

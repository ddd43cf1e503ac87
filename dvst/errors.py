"""The errors of the ``dvst`` package (codec, link, training, evaluation, CLI).

:class:`DvstError` is the ``dvst`` layer's :class:`foundation.errors.ProjectError`; the CLI
prints any project error on one line and exits with status 2.
"""

from foundation.errors import ProjectError


class DvstError(ProjectError):
    """A user-facing error of the codec, link, training or CLI; one line."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so that a run stops as it does on Ctrl-C: outputs
    closed and playable, the summary marked as cut short."""

"""User-facing errors.

A :class:`WorkbenchError` is raised for mistakes a user can fix (a bad workload spec, an
unknown cost model, a target that does not parse). The CLI prints its message without a
traceback and exits with status 2; notebooks show the message.
"""

from __future__ import annotations

from collections.abc import Iterable


class WorkbenchError(ValueError):
    """A problem with the user's input, described in words the user can act on."""


def unknown_choice(what: str, given: object, choices: Iterable[str]) -> WorkbenchError:
    """Build the error for a name that is not one of ``choices``.

    Parameters
    ----------
    what : str
        What was being chosen ("workload", "cost model", ...).
    given : object
        The value the user passed.
    choices : Iterable[str]
        The valid names.

    Returns
    -------
    WorkbenchError
        An error whose message names the bad value and lists the valid ones.
    """
    valid = ", ".join(sorted(choices))
    return WorkbenchError(f"unknown {what} {given!r}; valid choices: {valid}")

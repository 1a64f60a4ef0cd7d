"""Process exit codes (documented in README). Its own module: ``icecheck --help`` imports it, not the model."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """0 clean, 1 findings at or above ``--fail-on``, 2 usage or unreadable input, 3 a failure under
    ``--strict`` or an internal error."""

    CLEAN = 0
    FINDINGS = 1
    USAGE = 2
    FAILURE = 3

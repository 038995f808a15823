"""What every process that writes must install once: nothing is installed by an import.

``create_app()`` (web workers, the CLI's app), the worker's start-up and the CLI call
:func:`install`. Without it, jobs asked for in a transaction would never be sent.
"""

from __future__ import annotations

from athsys.leaderboards import tracking
from tasks import dispatch


def install() -> None:
    """Send the jobs each transaction asked for after it commits, and ask for a leaderboard
    refresh when results, heats or entries change (idempotent)."""
    dispatch.install()
    tracking.track_changes()

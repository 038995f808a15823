"""``python -m tasks.worker [options]``: Celery's ``worker`` command for this app, without
the ``celery`` command line around it.

``celery -A tasks.app worker`` imports every command of that command line before it starts
the worker, and every command other packages add to it: Flower's (with Tornado), the REPL's
(``click_repl``, prompt_toolkit, Pygments). None of them runs in a worker, yet the parent
holds them and each prefork child inherits them: 11 - 12 MiB of RSS in every process of
the tree (docs/performance.md, "Worker memory by RSS"). Here the same ``worker`` command
(its options, its defaults, its ``app.Worker``) is called with the app, and only its own
module is imported.

Every option of ``celery worker`` works the same; ``--detach`` starts ``celery`` itself
again (Celery re-executes its own command line), so use a supervisor instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from celery.bin.base import CLIContext
from celery.bin.worker import worker

from tasks.app import celery_app


def main(argv: Sequence[str] | None = None) -> None:
    """Run the worker with ``argv`` (default: the command line); exits with its code."""
    worker.main(
        args=None if argv is None else list(argv), prog_name="python -m tasks.worker",
        obj=CLIContext(app=celery_app, no_color=False, workdir=None),
    )


if __name__ == "__main__":
    main()

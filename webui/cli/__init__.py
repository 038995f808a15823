"""The ``athsys`` command: run the platform, manage its database and accounts."""

from webui.cli.main import main

__all__ = ["main"]

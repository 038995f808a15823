"""AthSys domain core: models, rules, services, schemas, config, logging and errors.

Nothing in this package imports Flask or Celery; the web UI (``webui``) and the
workers (``tasks``) both build on it.
"""

__version__ = "0.1.0"

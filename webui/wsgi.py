"""WSGI entry point for gunicorn: ``gunicorn webui.wsgi:app``."""

from webui.app import create_app

app = create_app()

"""Pages of our own drawn inside Flask-AppBuilder's layout (its menu, its user menu)."""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template


def render_page(template: str, **context: Any) -> str:
    """``template`` (which extends ``base_template``) with the context FAB's layout needs."""
    appbuilder = current_app.appbuilder  # type: ignore[attr-defined]
    return render_template(template, base_template=appbuilder.base_template,
                           appbuilder=appbuilder, **context)

"""The one place that wires the REST API into the application."""

from __future__ import annotations

from flask import Flask

from webui.api import (
    athletes,
    attempts,
    auth_routes,
    clubs,
    competitions,
    desk,
    documents,
    events,
    field,
    home,
    limits,
    notifications,
    openapi,
    pickers,
    planning,
    public,
    races,
    registrations,
    relays,
    results,
    rounds,
    scoring,
    setup,
    starter,
    users,
)

RESOURCES = (users, clubs, athletes, competitions, events, rounds, races, registrations,
             results, attempts)


def register_api(app: Flask) -> None:
    """Blueprints of ``/api/auth``, every resource and the docs; token denylist; login limits."""
    sm = app.appbuilder.sm  # type: ignore[attr-defined]
    auth_routes.install_denylist(app)
    app.register_blueprint(auth_routes.blueprint(sm.limiter))
    with app.app_context():
        for module in RESOURCES:
            app.register_blueprint(module.resource().blueprint())
    app.register_blueprint(planning.blueprint)
    app.register_blueprint(field.blueprint)
    app.register_blueprint(starter.blueprint)
    app.register_blueprint(desk.blueprint)
    app.register_blueprint(relays.blueprint)
    app.register_blueprint(pickers.blueprint)
    app.register_blueprint(setup.blueprint)
    app.register_blueprint(scoring.blueprint)
    app.register_blueprint(home.blueprint)
    notifications.register(app)
    public.register(app)
    documents.register(app)
    app.register_blueprint(openapi.blueprint)
    limits.limit_form_login(app)

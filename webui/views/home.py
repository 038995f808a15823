"""The page every user lands on: a sign-in invitation, or the sections of its roles."""

from __future__ import annotations

from flask_appbuilder import IndexView


class HomeView(IndexView):
    """``/``: the home of :mod:`athsys.home`, drawn by ``static/athsys/home.js``."""

    index_template = "athsys/home.html"

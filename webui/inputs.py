"""The web side of :mod:`athsys.inputs`: every request meets the same limits, app-wide.

- Flask's JSON reader (``request.get_json``, used by the API, the rate limiter's account key
  and Flask-AppBuilder) reads with :func:`athsys.inputs.load_json`: too deep, NUL, overlong
  numbers are a 400 wherever JSON is read;
- query arguments and URL-encoded form fields carry no NUL (names and values);
- ``<int:…>`` in a route matches only ids PostgreSQL can hold: a larger one is a 404, never
  a database error.

File names of uploads are checked where a file is received (multipart bodies are read with
the limit of their endpoint, after this guard).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter

from athsys.errors import ValidationError
from athsys.inputs import INTEGER_MAX, InputError, check_text, load_json

FORM_MIMETYPE = "application/x-www-form-urlencoded"


class LimitedJSONProvider(DefaultJSONProvider):
    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """As Flask's, within the limits (the session serializer passes an object_hook)."""
        return load_json(s, **kwargs)


def decimal_at_most(limit: int) -> str:
    """A regular expression of the decimal numbers from 0 to ``limit``."""
    digits = str(limit)
    choices = [rf"\d{{1,{len(digits) - 1}}}"] if len(digits) > 1 else []
    for index, digit in enumerate(digits):
        if digit != "0":
            rest = len(digits) - index - 1
            choices.append(rf"{digits[:index]}[0-{int(digit) - 1}]\d{{{rest}}}")
    choices.append(digits)
    return "(?:" + "|".join(choices) + ")"


class IdConverter(IntegerConverter):
    """``<int:…>`` of at most :data:`~athsys.inputs.INTEGER_MAX`: a larger one matches no
    route, so every method gets a 404 (a converter that refused the value after matching
    would make werkzeug answer 405 to the methods of the other routes of that path)."""

    regex = decimal_at_most(INTEGER_MAX)


def refuse_nul() -> None:
    """A 400 for a NUL in a query argument or a URL-encoded form field, naming it."""
    sources = [("query parameter", request.args)]
    if request.mimetype == FORM_MIMETYPE:
        sources.append(("form field", request.form))
    try:
        for kind, values in sources:
            for name, value in values.items(multi=True):
                check_text(name, f"a {kind} name")
                check_text(value, f"{kind} {name!r}")
    except InputError as exc:
        raise ValidationError(str(exc), details={exc.where: [exc.problem]}) from None


def install(app: Flask) -> None:
    """Before any route is added: the converter applies to routes as they are compiled."""
    app.json = LimitedJSONProvider(app)
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_nul)

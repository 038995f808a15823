"""The API's answer shapes: ``{"success": true, "data": ...}`` and the paginated variant.

Errors are rendered by :mod:`webui.errors` from the :mod:`athsys.errors` hierarchy.
"""

from __future__ import annotations

import math
from typing import Any

from flask import Response, current_app, jsonify, request

from athsys.config import Settings
from athsys.errors import PayloadTooLargeError, ValidationError
from athsys.inputs import InputError, load_json


def success(data: Any, status: int = 200) -> Response:
    response = jsonify({"success": True, "data": data})
    response.status_code = status
    return response


def paginated(items: list[Any], *, page: int, per_page: int, total: int) -> Response:
    return jsonify(
        {
            "success": True,
            "data": items,
            "pagination": {
                "page": page,
                "per_page": per_page,
                "total": total,
                "pages": math.ceil(total / per_page) if per_page else 0,
            },
        }
    )


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a ValidationError saying what is wrong with it."""
    settings: Settings = current_app.config["ATHSYS_SETTINGS"]
    if request.content_length is not None and request.content_length > settings.max_content_length:
        raise PayloadTooLargeError(
            f"the body is larger than {settings.max_content_length} bytes"
        )
    if not request.is_json:
        raise ValidationError("the body must be JSON (Content-Type: application/json)")
    raw = request.get_data(cache=True)
    try:
        body = load_json(raw)
    except InputError as exc:
        raise ValidationError(f"the body is refused: {exc}",
                              details={exc.where or "body": [exc.problem]}) from None
    except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError among them
        raise ValidationError(f"the body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise ValidationError("the body must be a JSON object")
    return body

"""Log lines written inside :func:`request_id` carry the given request id, as in a request."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from athsys.logging import request_id_var


@contextmanager
def request_id(value: str) -> Iterator[None]:
    token = request_id_var.set(value)
    try:
        yield
    finally:
        request_id_var.reset(token)

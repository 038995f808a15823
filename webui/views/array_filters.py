"""Searching an admin list by a value held in an array column (a result's record flags).

Flask-AppBuilder converts each column of a model into the filters its search form offers and
has no conversion for PostgreSQL arrays: it logged "Filter type not supported" for
``result.record_flags`` and offered nothing. :class:`ArrayFilterConverter` adds "Has", served
by the array's ``= ANY`` test.
"""

from __future__ import annotations

from typing import Any

from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.filters import SQLAFilterConverter, get_field_setup_query
from sqlalchemy import any_, literal


class FilterArrayHas(BaseFilter):
    """The rows whose array holds the value (``'NR' = ANY(record_flags)``)."""

    name = "Has"
    arg_name = "has"

    def apply(self, query: Any, value: Any) -> Any:
        query, field = get_field_setup_query(query, self.model, self.column_name)
        return query.filter(literal(str(value)) == any_(field))


class ArrayFilterConverter(SQLAFilterConverter):
    conversion_table = (("is_array", [FilterArrayHas]), *SQLAFilterConverter.conversion_table)


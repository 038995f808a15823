"""A Flask-AppBuilder data interface whose list page loads its relations with the page.

FAB's ``SQLAInterface.query`` reads a list page's rows and leaves each relation the page
shows to a lazy load per row. Our admin views (:class:`webui.views.base.AthsysInterface`) and
FAB's own account pages (:class:`webui.security.manager.LoadingInterface`) both name what to
load with the page instead, one statement per relation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_appbuilder.models.sqla.interface import SQLAInterface
from sqlalchemy.orm.interfaces import LoaderOption


class EagerListInterface(SQLAInterface):
    """``query`` as FAB's, with :meth:`list_loads` applied to the page's statement."""

    def list_loads(self) -> Sequence[LoaderOption]:
        """The loader options of a list page (none: FAB's lazy loads)."""
        return ()

    def query(self, filters: Any = None, order_column: str = "", order_direction: str = "",
              page: int | None = None, page_size: int | None = None,
              select_columns: list[str] | None = None,
              outer_default_load: bool = False) -> tuple[int, list[Any]]:
        base = self.session.query(self.obj)
        count = self.query_count(base, filters, select_columns)
        query = self.apply_all(base.options(*self.list_loads()), filters, order_column,
                               order_direction, page, page_size, select_columns,
                               outer_default_load)
        return count, query.all()

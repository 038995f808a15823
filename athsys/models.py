"""Every mapped table of the domain, imported in one place for Alembic and the admin.

Each domain package owns its ``models.py``; this module only gathers them so that
``metadata`` knows every table.
"""

from athsys.db import Base

metadata = Base.metadata

"""Trigram indexes on the athlete's last name and on relay teams' names.

The athlete's last name: the admin's "last name contains" filter.

The athletes list filters ``last_name ILIKE '%text%'`` (Flask-AppBuilder's "contains"). The
trigram indexes of 0019 cover "first last" and "last first", not the last name alone, so the
filter read all 100,000 athletes twice (the count and the page). The filter could search the
indexed full name instead, but would then find first names too: it is labelled "last name".

Relay teams' names: the entries picker (and the registration desk, which uses its query)
finds a team by ``team_name ILIKE '%text%'``, which read every entry of the table. Only
relay teams have a name, so the index is partial and small; ``ILIKE`` on the name implies
it is not null, so PostgreSQL uses the partial index for it.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04 14:05:00
"""

from __future__ import annotations

from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX ix_athlete_last_name_trgm ON athlete "
               "USING gin (last_name gin_trgm_ops)")
    op.execute("CREATE INDEX ix_entry_team_name_trgm ON entry "
               "USING gin (team_name gin_trgm_ops) WHERE team_name IS NOT NULL")


def downgrade() -> None:
    op.execute("DROP INDEX ix_entry_team_name_trgm")
    op.execute("DROP INDEX ix_athlete_last_name_trgm")

"""Trigram indexes for the pickers: a name anywhere, a licence or a bib from its start.

The admin pickers match ``ILIKE '%text%'`` on "first last" and "last first", and
``ILIKE 'text%'`` on a licence or a bib. Without these, each keystroke read all 100,000
athletes (about 300 ms at that size); a trigram GIN index finds the rows from three typed
characters on.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 11:35:00
"""

from __future__ import annotations

from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

#: (index, table, expression) — the expressions the pickers' queries write, exactly.
INDEXES = (
    ("ix_athlete_first_last_trgm", "athlete", "(first_name || ' ' || last_name)"),
    ("ix_athlete_last_first_trgm", "athlete", "(last_name || ' ' || first_name)"),
    ("ix_athlete_licence_trgm", "athlete", "licence"),
    ("ix_entry_bib_trgm", "entry", "bib"),
)


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, expression in INDEXES:
        op.execute(f"CREATE INDEX {name} ON {table} USING gin ({expression} gin_trgm_ops)")


def downgrade() -> None:
    for name, _, _ in INDEXES:
        op.execute(f"DROP INDEX {name}")

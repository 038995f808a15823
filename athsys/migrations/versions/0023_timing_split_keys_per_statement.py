"""The timing point and lane assignment of a split checked once a statement, not once a row.

``timing_split`` had two foreign keys: ``timing_point_id`` to ``timing_point`` and
``(heat_id, entry_id)`` to ``lane_assignment`` (migration 0008), both ``ON DELETE
CASCADE``. Processing inserts a catch-up's new splits in one statement, up to thousands
naming a handful of timing points and as many assignments as runners, and PostgreSQL
checked both keys once a row: 1,000 of the bench's splits took 16.5 ms into a copy of the
table with both keys and 6.9 ms into one with none (``docs/performance.md``). The keys are
replaced by the triggers migration 0021 gave ``timing_read``
(``athsys.migrations.keys_per_statement``): after an insert, the distinct timing points and
(heat, entry) pairs named are locked ``FOR KEY SHARE`` and a missing one is refused with the
key's own error (SQLSTATE 23503, its name and message), so the statement stores nothing;
deleting a timing point or a lane assignment (directly, or by the cascade from a heat, an
entry or a competition) deletes its splits once a statement; changing the key of a parent a
split names, or truncating a parent while splits name it, is refused. As with 0021, a
parent of splits is deleted under READ COMMITTED only, which AthSys uses everywhere.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04 16:30:00
"""

from __future__ import annotations

from athsys.migrations.keys_per_statement import ParentKey, replace_keys, restore_keys

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

#: timing_split's keys as migrations 0003 and 0008 declared them
PARENTS = (
    ParentKey(("timing_point_id",), "timing_point",
              "fk_timing_split_timing_point_id_timing_point", "CASCADE"),
    ParentKey(("heat_id", "entry_id"), "lane_assignment",
              "fk_timing_split_heat_id_lane_assignment", "CASCADE",
              parent_columns=("heat_id", "entry_id")),
)


def upgrade() -> None:
    replace_keys("timing_split", noun="splits", rows="stored_splits", keys=PARENTS)


def downgrade() -> None:
    restore_keys("timing_split", PARENTS)

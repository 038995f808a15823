"""The parents of a timing read checked once a statement instead of once a row.

``timing_read`` had three foreign keys (``device_id``, ``batch_id``, ``timing_point_id``).
PostgreSQL checks a foreign key with one query per inserted row, so storing a batch of
1,000 reads ran 3,000 of them: more than half of the database time of accepting a batch
(``docs/performance.md``, "Ingestion"), while a batch names one device, one batch and a
handful of timing points. The keys are replaced by triggers that give the same guarantee
set by set (their SQL is made by ``athsys.migrations.keys_per_statement``, which migration
0023 uses for ``timing_split`` too):

- after an ``INSERT`` (one call a statement, the inserted rows in a transition table), the
  distinct devices, batches and timing points named are locked ``FOR KEY SHARE``, as a
  foreign key's check locks its parent row, and a missing one is refused with the error a
  foreign key raises (SQLSTATE 23503, the old constraint's name, the same message), so the
  statement and nothing of it is stored; an ``UPDATE`` of the three columns (nothing does
  one) is checked row by row the same way;
- deleting a device deletes its reads (``ON DELETE CASCADE`` was); deleting a batch or a
  timing point sets the reads' ``batch_id`` or ``timing_point_id`` to NULL (``ON DELETE SET
  NULL`` was), once a statement; changing the id of a parent still named by a read, or
  truncating a parent while reads still name it, is refused (``NO ACTION`` and
  ``TRUNCATE``'s rule were).

Concurrency is as with the keys: a read's insert holds its parents' key-share locks until
commit, so a delete of the parent waits for it and then, in its own ``AFTER DELETE``
trigger, finds the committed reads with a fresh snapshot (READ COMMITTED takes one per
statement); a parent deleted first makes the insert wait for that delete and then fail. A
fresh snapshot is what REPEATABLE READ and SERIALIZABLE lack (a foreign key's cascade uses
a cross-check snapshot a trigger cannot), so deleting a parent of reads there is refused
rather than risk leaving reads behind; AthSys runs every transaction READ COMMITTED.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04 14:00:00
"""

from __future__ import annotations

from athsys.migrations.keys_per_statement import ParentKey, replace_keys, restore_keys

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

#: timing_read's keys as migration 0003 declared them
PARENTS = (
    ParentKey(("device_id",), "timing_device", "fk_timing_read_device_id_timing_device",
              "CASCADE"),
    ParentKey(("batch_id",), "read_batch", "fk_timing_read_batch_id_read_batch", "SET NULL"),
    ParentKey(("timing_point_id",), "timing_point",
              "fk_timing_read_timing_point_id_timing_point", "SET NULL"),
)


def upgrade() -> None:
    replace_keys("timing_read", noun="reads", rows="stored_reads", keys=PARENTS)


def downgrade() -> None:
    restore_keys("timing_read", PARENTS)

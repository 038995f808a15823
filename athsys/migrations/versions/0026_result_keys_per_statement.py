"""The heat and entry of a result checked once a statement, not once a row.

``result`` had two foreign keys, ``heat_id`` to ``heat`` and ``entry_id`` to ``entry``, both
``ON DELETE CASCADE`` (migration 0002). A worker catching up inserts a race's new chip
results in one statement (``athsys.timing.chip_results``), thousands of rows naming one heat
and as many entries, and PostgreSQL checked both keys once a row: in the ingest bench's
catch-up (40,000 reads, 10,000 results created in one statement) that statement took 129 –
138 ms of database CPU with the keys and 58 – 62 ms without them, and the whole catch-up went
from 44,900 – 46,500 reads/s to 51,200 – 51,300 (``docs/performance.md``). The keys are
replaced by the triggers migrations 0021 and 0023 gave ``timing_read`` and ``timing_split``
(``athsys.migrations.keys_per_statement``): after an insert, the distinct heats and entries
named are locked ``FOR KEY SHARE`` and a missing one is refused with the key's own error
(SQLSTATE 23503, its name and message), so the statement stores nothing; deleting a heat or
an entry (directly, or by the cascade from an event or a competition) deletes its results,
and with them their revisions, once a statement; changing the id of a heat or an entry a
result names, or truncating either while results name it, is refused. As with 0021, a
parent of results is deleted under READ COMMITTED only, which AthSys uses everywhere.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05 01:40:00
"""

from __future__ import annotations

from athsys.migrations.keys_per_statement import ParentKey, replace_keys, restore_keys

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

#: result's keys as migration 0002 declared them
PARENTS = (
    ParentKey(("heat_id",), "heat", "fk_result_heat_id_heat", "CASCADE"),
    ParentKey(("entry_id",), "entry", "fk_result_entry_id_entry", "CASCADE"),
)


def upgrade() -> None:
    replace_keys("result", noun="results", rows="stored_results", keys=PARENTS)


def downgrade() -> None:
    restore_keys("result", PARENTS)

"""The parents of a timing read checked once a statement instead of once a row.

``timing_read`` had three foreign keys (``device_id``, ``batch_id``, ``timing_point_id``).
PostgreSQL checks a foreign key with one query per inserted row, so storing a batch of
1,000 reads ran 3,000 of them: more than half of the database time of accepting a batch
(``docs/performance.md``, "Ingestion"), while a batch names one device, one batch and a
handful of timing points. The keys are replaced by triggers that give the same guarantee
set by set:

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

from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

#: (column of timing_read, parent table, the old key's name, its ON DELETE action)
PARENTS = (
    ("device_id", "timing_device", "fk_timing_read_device_id_timing_device", "CASCADE"),
    ("batch_id", "read_batch", "fk_timing_read_batch_id_read_batch", "SET NULL"),
    ("timing_point_id", "timing_point", "fk_timing_read_timing_point_id_timing_point",
     "SET NULL"),
)

_CHECK_ONE = """
    SELECT min(named.id) INTO missing FROM unnest({column}s) AS named (id)
    LEFT JOIN (SELECT id FROM {parent} WHERE id = ANY ({column}s) FOR KEY SHARE) AS kept
        ON kept.id = named.id
    WHERE named.id IS NOT NULL AND kept.id IS NULL;
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'insert or update on table "timing_read" violates foreign key constraint "{key}"'
        USING ERRCODE = 'foreign_key_violation', CONSTRAINT = '{key}', TABLE = 'timing_read',
              COLUMN = '{column}',
              DETAIL = format('Key ({column})=(%s) is not present in table "{parent}".', missing);
    END IF;
"""

_FUNCTIONS = (
    # the check: each named parent locked against delete and key change, a missing one refused
    "CREATE FUNCTION timing_read_check_parents("
    + ", ".join(f"{column}s bigint[]" for column, _, _, _ in PARENTS)
    + ") RETURNS void LANGUAGE plpgsql AS $$\nDECLARE\n    missing bigint;\nBEGIN"
    + "".join(_CHECK_ONE.format(column=column, parent=parent, key=key)
              for column, parent, key, _ in PARENTS)
    + "END $$",
    # once an INSERT statement: the distinct parents of the rows it stored
    "CREATE FUNCTION timing_read_inserted() RETURNS trigger LANGUAGE plpgsql AS $$\n"
    "BEGIN\n    PERFORM timing_read_check_parents("
    + ", ".join(f"(SELECT array_agg(DISTINCT {column}) FROM stored_reads)"
                for column, _, _, _ in PARENTS)
    + ");\n    RETURN NULL;\nEND $$",
    # an UPDATE of a key column, row by row (nothing updates them; the keys checked that
    # too): only a changed value, as a key does (a parent's SET NULL changes one column of
    # reads whose device a cascade of the same statement may have deleted already)
    "CREATE FUNCTION timing_read_keys_updated() RETURNS trigger LANGUAGE plpgsql AS $$\n"
    "BEGIN\n    PERFORM timing_read_check_parents("
    + ", ".join(f"CASE WHEN NEW.{column} IS DISTINCT FROM OLD.{column}"
                f" THEN ARRAY[NEW.{column}]::bigint[] END" for column, _, _, _ in PARENTS)
    + ");\n    RETURN NULL;\nEND $$",
    # a parent deleted: its reads deleted (TG_ARGV[1] 'CASCADE') or their column set to NULL
    """CREATE FUNCTION timing_read_parent_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM gone) THEN
        RETURN NULL;
    END IF;
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'deleting from "%" needs READ COMMITTED: its reads in "timing_read" are found with a fresh snapshot', TG_TABLE_NAME
        USING ERRCODE = 'feature_not_supported', TABLE = TG_TABLE_NAME;
    END IF;
    IF TG_ARGV[1] = 'CASCADE' THEN
        EXECUTE format('DELETE FROM timing_read WHERE %I IN (SELECT id FROM gone)', TG_ARGV[0]);
    ELSE
        EXECUTE format('UPDATE timing_read SET %1$I = NULL WHERE %1$I IN (SELECT id FROM gone)',
                       TG_ARGV[0]);
    END IF;
    RETURN NULL;
END $$""",
    # a parent's id changed while a read names it: refused, as NO ACTION did
    """CREATE FUNCTION timing_read_parent_key_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    named boolean;
BEGIN
    EXECUTE format('SELECT EXISTS (SELECT FROM timing_read WHERE %I = $1)', TG_ARGV[0])
        INTO named USING OLD.id;
    IF named THEN
        RAISE EXCEPTION 'update or delete on table "%" violates foreign key constraint "%" on table "timing_read"', TG_TABLE_NAME, TG_ARGV[1]
        USING ERRCODE = 'foreign_key_violation', CONSTRAINT = TG_ARGV[1], TABLE = 'timing_read',
              DETAIL = format('Key (id)=(%s) is still referenced from table "timing_read".', OLD.id);
    END IF;
    RETURN NULL;
END $$""",
    # a parent truncated while reads name it (unless timing_read was truncated with it)
    """CREATE FUNCTION timing_read_parent_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    named boolean;
BEGIN
    EXECUTE format('SELECT EXISTS (SELECT FROM timing_read WHERE %I IS NOT NULL)', TG_ARGV[0])
        INTO named;
    IF named THEN
        RAISE EXCEPTION 'cannot truncate a table referenced in a foreign key constraint'
        USING ERRCODE = 'feature_not_supported',
              DETAIL = format('Table "timing_read" references "%s".', TG_TABLE_NAME),
              HINT = 'Truncate table "timing_read" at the same time.';
    END IF;
    RETURN NULL;
END $$""",
)

_TRIGGERS = (
    "CREATE TRIGGER parents_exist_after_insert AFTER INSERT ON timing_read"
    " REFERENCING NEW TABLE AS stored_reads FOR EACH STATEMENT"
    " EXECUTE FUNCTION timing_read_inserted()",
    "CREATE TRIGGER parents_exist_after_update AFTER UPDATE OF "
    + ", ".join(column for column, _, _, _ in PARENTS)
    + " ON timing_read FOR EACH ROW WHEN ("
    + " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column, _, _, _ in PARENTS)
    + ") EXECUTE FUNCTION timing_read_keys_updated()",
    *(
        trigger
        for column, parent, key, action in PARENTS
        for trigger in (
            f"CREATE TRIGGER timing_read_after_delete AFTER DELETE ON {parent}"
            " REFERENCING OLD TABLE AS gone FOR EACH STATEMENT"
            f" EXECUTE FUNCTION timing_read_parent_deleted('{column}', '{action}')",
            f"CREATE TRIGGER timing_read_after_key_change AFTER UPDATE OF id ON {parent}"
            " FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id)"
            f" EXECUTE FUNCTION timing_read_parent_key_changed('{column}', '{key}')",
            f"CREATE TRIGGER timing_read_after_truncate AFTER TRUNCATE ON {parent}"
            f" FOR EACH STATEMENT EXECUTE FUNCTION timing_read_parent_truncated('{column}')",
        )
    ),
)


def upgrade() -> None:
    for _, _, key, _ in PARENTS:
        op.drop_constraint(key, 'timing_read', type_='foreignkey')
    for statement in (*_FUNCTIONS, *_TRIGGERS):
        op.execute(statement)


def downgrade() -> None:
    for name in ("timing_read_inserted()", "timing_read_keys_updated()",
                 "timing_read_parent_deleted()", "timing_read_parent_key_changed()",
                 "timing_read_parent_truncated()"):
        op.execute(f"DROP FUNCTION {name} CASCADE")  # and the triggers calling it
    op.execute("DROP FUNCTION timing_read_check_parents("
               + ", ".join("bigint[]" for _ in PARENTS) + ")")
    for column, parent, key, action in PARENTS:
        op.create_foreign_key(key, 'timing_read', parent, [column], ['id'], ondelete=action)

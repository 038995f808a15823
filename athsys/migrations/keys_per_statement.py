"""Foreign keys replaced by triggers that check a statement's rows once, set by set.

PostgreSQL checks a foreign key with one query per inserted row. Where a statement inserts
many rows that name few parents (a batch of reads, a batch's splits), most of its time goes
to those checks. :func:`replace_keys` drops such keys and creates triggers that keep what
the keys guaranteed:

- after an ``INSERT`` (once a statement, the inserted rows in a transition table) the
  distinct parents named are locked ``FOR KEY SHARE``, as a key's check locks its parent
  row, and a missing one is refused with the error a foreign key raises (SQLSTATE 23503,
  the key's name, the same message), so the statement stores nothing; an ``UPDATE`` that
  changes a key's columns is checked row by row the same way;
- deleting parents does the key's ``ON DELETE`` action (``CASCADE`` or ``SET NULL``) once a
  statement; changing a parent's key while a row names it (``NO ACTION``), or truncating a
  parent while rows name it, is refused. A key of several columns is MATCH SIMPLE, as
  PostgreSQL's default: a row with any of them NULL names no parent.

Concurrency is as with the keys: an insert holds its parents' key-share locks until commit,
so a delete of the parent waits for it and then, in its ``AFTER DELETE`` trigger, finds the
committed rows with a fresh snapshot (READ COMMITTED takes one per statement); a parent
deleted first makes the insert wait and then fail. REPEATABLE READ and SERIALIZABLE lack
that fresh snapshot (a key's action uses a cross-check snapshot a trigger cannot), so
deleting a parent of rows there is refused rather than risk leaving rows behind.

Migrations 0021 (``timing_read``), 0023 (``timing_split``) and 0026 (``result``) use this.
The names of the functions created depend only on the child table, as those migrations'
downgrades drop them by name: keep them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from alembic import op


@dataclass(frozen=True)
class ParentKey:
    """One foreign key of the child table, as it was declared."""

    columns: tuple[str, ...]
    parent: str
    name: str
    on_delete: str  # 'CASCADE' or 'SET NULL'
    parent_columns: tuple[str, ...] = ("id",)

    def __post_init__(self) -> None:
        if self.on_delete not in ("CASCADE", "SET NULL"):
            raise ValueError(f"{self.name}: ON DELETE {self.on_delete} is not supported")
        if self.on_delete == "SET NULL" and len(self.columns) != 1:
            raise ValueError(f"{self.name}: SET NULL is supported for one column only")
        if len(self.columns) != len(self.parent_columns):
            raise ValueError(f"{self.name}: columns and parent columns differ in number")


def _listed(columns: Sequence[str], prefix: str = "") -> str:
    """``a, b``, each column after ``prefix``."""
    return ", ".join(f"{prefix}{column}" for column in columns)


def _row(columns: Sequence[str], prefix: str = "") -> str:
    """``a`` or ``(a, b)``, each column after ``prefix``."""
    listed = _listed(columns, prefix)
    return listed if len(columns) == 1 else f"({listed})"


def _check_one(child: str, key: ParentKey) -> str:
    arrays = ", ".join(f"{column}s" for column in key.columns)
    parents = ", ".join(key.parent_columns)
    named = ", ".join(f"named.{column}" for column in key.parent_columns)
    columns = ", ".join(key.columns)
    message = f'insert or update on table "{child}" violates foreign key constraint "{key.name}"'
    detail = f'Key ({columns})=(%s) is not present in table "{key.parent}".'
    return (
        f"""
    SELECT (array_agg(concat_ws(', ', {named}) ORDER BY {named}))[1] INTO missing
    FROM unnest({arrays}) AS named ({parents})
    LEFT JOIN (SELECT {parents} FROM {key.parent}
               WHERE ({parents}) IN (SELECT * FROM unnest({arrays})) FOR KEY SHARE) AS kept
        ON {_row(key.parent_columns, "kept.")} = {_row(key.parent_columns, "named.")}
    WHERE {" AND ".join(f"named.{column} IS NOT NULL" for column in key.parent_columns)}
      AND kept.{key.parent_columns[0]} IS NULL;
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION '{message}'
        USING ERRCODE = 'foreign_key_violation', CONSTRAINT = '{key.name}', TABLE = '{child}',
              COLUMN = '{columns}', DETAIL = format('{detail}', missing);
    END IF;
""")  # nosec B608 # names from the migrations' own key lists, no input


def _functions(child: str, noun: str, rows: str, keys: Sequence[ParentKey]) -> list[str]:
    columns = [column for key in keys for column in key.columns]
    arrays = [f"{column}s" for column in columns]
    # one scan a key: the aggregates of one query see its rows in the same order, so the
    # arrays of a key of several columns stay in step
    distinct = "".join(
        f"    SELECT {', '.join(f'array_agg({column})' for column in key.columns)}"  # nosec B608 # names of the migration's own keys, no input
        f" INTO {', '.join(f'{column}s' for column in key.columns)}\n"
        f"    FROM (SELECT DISTINCT {', '.join(key.columns)} FROM {rows}) AS named;\n"
        for key in keys
    )
    changed = [
        f"CASE WHEN {_row(key.columns, 'NEW.')} IS DISTINCT FROM {_row(key.columns, 'OLD.')}"
        f" THEN ARRAY[NEW.{column}]::bigint[] END"
        for key in keys for column in key.columns
    ]
    cascades = "".join(
        f"    WHEN '{key.name}' THEN\n        DELETE FROM {child} WHERE {_row(key.columns)} IN"  # nosec B608 # names of the migration's own keys, no input
        f" (SELECT {', '.join(key.parent_columns)} FROM gone);\n"
        if key.on_delete == "CASCADE" else
        f"    WHEN '{key.name}' THEN\n        UPDATE {child} SET {key.columns[0]} = NULL"  # nosec B608 # names of the migration's own keys, no input
        f" WHERE {key.columns[0]} IN (SELECT {key.parent_columns[0]} FROM gone);\n"
        for key in keys
    )
    still_named = "".join(
        f"    WHEN '{key.name}' THEN\n"
        f"        named := EXISTS (SELECT FROM {child} WHERE {_row(key.columns)}"  # nosec B608 # names of the migration's own keys, no input
        f" = {_row(key.parent_columns, 'OLD.')});\n"
        f"        old_key := concat_ws(', ', {_listed(key.parent_columns, 'OLD.')});\n"
        f"        parent_columns := '{', '.join(key.parent_columns)}';\n"
        for key in keys
    )
    naming = "".join(
        f"    WHEN '{key.name}' THEN\n        named := EXISTS (SELECT FROM {child} WHERE "  # nosec B608 # names of the migration's own keys, no input
        + " AND ".join(f"{column} IS NOT NULL" for column in key.columns) + ");\n"
        for key in keys
    )
    needs_read_committed = (f'deleting from "%" needs READ COMMITTED: its {noun} in "{child}"'
                            ' are found with a fresh snapshot')
    still_referenced = ('update or delete on table "%" violates foreign key constraint "%"'
                        f' on table "{child}"')
    return [
        # the check: each named parent locked against delete and key change, a missing one refused
        f"CREATE FUNCTION {child}_check_parents("
        + ", ".join(f"{array} bigint[]" for array in arrays)
        + ") RETURNS void LANGUAGE plpgsql AS $$\nDECLARE\n    missing text;\nBEGIN"
        + "".join(_check_one(child, key) for key in keys)
        + "END $$",
        # once an INSERT statement: the distinct parents of the rows it stored
        f"CREATE FUNCTION {child}_inserted() RETURNS trigger LANGUAGE plpgsql AS $$\nDECLARE\n"
        + "".join(f"    {array} bigint[];\n" for array in arrays)
        + f"BEGIN\n{distinct}    PERFORM {child}_check_parents({', '.join(arrays)});\n"
        "    RETURN NULL;\nEND $$",
        # an UPDATE of a key's columns, row by row: only a changed key, as a foreign key
        # does (a parent's SET NULL changes one column of rows whose other parent a
        # cascade of the same statement may have deleted already)
        f"CREATE FUNCTION {child}_keys_updated() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        f"BEGIN\n    PERFORM {child}_check_parents({', '.join(changed)});\n"
        "    RETURN NULL;\nEND $$",
        # parents deleted (TG_ARGV[0] the key): the key's ON DELETE action on their rows
        f"""CREATE FUNCTION {child}_parent_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM gone) THEN
        RETURN NULL;
    END IF;
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION '{needs_read_committed}', TG_TABLE_NAME
        USING ERRCODE = 'feature_not_supported', TABLE = TG_TABLE_NAME;
    END IF;
    CASE TG_ARGV[0]
{cascades}    END CASE;
    RETURN NULL;
END $$""",  # nosec B608 # names of the migration's own keys, no input
        # a parent's key changed while a row names it: refused, as NO ACTION did
        f"""CREATE FUNCTION {child}_parent_key_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    named boolean;
    old_key text;
    parent_columns text;
BEGIN
    CASE TG_ARGV[0]
{still_named}    END CASE;
    IF named THEN
        RAISE EXCEPTION '{still_referenced}', TG_TABLE_NAME, TG_ARGV[0]
        USING ERRCODE = 'foreign_key_violation', CONSTRAINT = TG_ARGV[0], TABLE = '{child}',
              DETAIL = format('Key (%s)=(%s) is still referenced from table "{child}".',
                              parent_columns, old_key);
    END IF;
    RETURN NULL;
END $$""",
        # a parent truncated while rows name it (unless the child was truncated with it)
        f"""CREATE FUNCTION {child}_parent_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    named boolean;
BEGIN
    CASE TG_ARGV[0]
{naming}    END CASE;
    IF named THEN
        RAISE EXCEPTION 'cannot truncate a table referenced in a foreign key constraint'
        USING ERRCODE = 'feature_not_supported',
              DETAIL = format('Table "{child}" references "%s".', TG_TABLE_NAME),
              HINT = 'Truncate table "{child}" at the same time.';
    END IF;
    RETURN NULL;
END $$""",
    ]


def _triggers(child: str, rows: str, keys: Sequence[ParentKey]) -> list[str]:
    columns = [column for key in keys for column in key.columns]
    triggers = [
        f"CREATE TRIGGER parents_exist_after_insert AFTER INSERT ON {child}"
        f" REFERENCING NEW TABLE AS {rows} FOR EACH STATEMENT"
        f" EXECUTE FUNCTION {child}_inserted()",
        f"CREATE TRIGGER parents_exist_after_update AFTER UPDATE OF {', '.join(columns)}"
        f" ON {child} FOR EACH ROW WHEN ("
        + " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in columns)
        + f") EXECUTE FUNCTION {child}_keys_updated()",
    ]
    for key in keys:
        triggers += [
            f"CREATE TRIGGER {child}_after_delete AFTER DELETE ON {key.parent}"
            " REFERENCING OLD TABLE AS gone FOR EACH STATEMENT"
            f" EXECUTE FUNCTION {child}_parent_deleted('{key.name}')",
            f"CREATE TRIGGER {child}_after_key_change AFTER UPDATE OF"
            f" {', '.join(key.parent_columns)} ON {key.parent} FOR EACH ROW WHEN ("
            f"{_row(key.parent_columns, 'OLD.')} IS DISTINCT FROM"
            f" {_row(key.parent_columns, 'NEW.')})"
            f" EXECUTE FUNCTION {child}_parent_key_changed('{key.name}')",
            f"CREATE TRIGGER {child}_after_truncate AFTER TRUNCATE ON {key.parent}"
            f" FOR EACH STATEMENT EXECUTE FUNCTION {child}_parent_truncated('{key.name}')",
        ]
    return triggers


def statements(child: str, *, noun: str, rows: str, keys: Sequence[ParentKey]) -> list[str]:
    """The functions and triggers that stand for ``keys`` of ``child`` (``noun`` names its
    rows in messages, ``rows`` the transition table of an insert)."""
    return [*_functions(child, noun, rows, keys), *_triggers(child, rows, keys)]


def replace_keys(child: str, *, noun: str, rows: str, keys: Sequence[ParentKey]) -> None:
    """Upgrade: drop the keys, create the triggers standing for them."""
    for key in keys:
        op.drop_constraint(key.name, child, type_="foreignkey")
    for statement in statements(child, noun=noun, rows=rows, keys=keys):
        op.execute(statement)


def restore_keys(child: str, keys: Sequence[ParentKey]) -> None:
    """Downgrade: drop the functions (and the triggers calling them), create the keys."""
    for name in ("inserted", "keys_updated", "parent_deleted", "parent_key_changed",
                 "parent_truncated"):
        op.execute(f"DROP FUNCTION {child}_{name}() CASCADE")  # and the triggers calling it
    arguments = ", ".join("bigint[]" for key in keys for _ in key.columns)
    op.execute(f"DROP FUNCTION {child}_check_parents({arguments})")
    for key in keys:
        op.create_foreign_key(key.name, child, key.parent, list(key.columns),
                              list(key.parent_columns), ondelete=key.on_delete)

"""Turn a constraint the database enforced into a message that names the field.

PostgreSQL reports the violated constraint's name; the naming convention of
:mod:`athsys.db` makes it findable in the metadata, and its columns say which field the
official has to change.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKeyConstraint, UniqueConstraint
from sqlalchemy.exc import IntegrityError

from athsys.errors import AthsysError, ConflictError, ValidationError
from athsys.models import metadata

# Columns that only scope a uniqueness (the competition of a bib, the heat of a lane): the
# field to blame is the other one.
_SCOPE_COLUMNS = frozenset({"competition_id", "heat_id", "round_id", "event_id", "device_id"})

# Unique constraints whose field is best explained in words.
_MESSAGES = {
    "uq_entry_competition_id_bib": ("bib", "bib {value} is already used in this competition"),
    "uq_lane_assignment_heat_id_lane": ("lane", "lane {value} is already taken in this heat"),
    "uq_lane_assignment_heat_id_entry_id": ("entry", "this entry is already in this heat"),
    "uq_lane_assignment_heat_id_position": (
        "position", "position {value} is already taken in this heat"),
    "uq_result_heat_id_entry_id": (
        "entry", "this entry already has a result in this heat: correct that one instead"),
    "uq_entry_event_id_athlete_id": ("athlete", "this athlete is already entered in this event"),
    "uq_chip_assignment_active_chip": (
        "chip", "chip {value} is already worn by another entry in this competition"),
    "uq_attempt_heat_id_entry_id_sequence": (
        "sequence", "attempt {value} of this entry is already recorded"),
}


def constraint_error(exc: IntegrityError) -> AthsysError:
    """A ValidationError or ConflictError whose message and ``details`` name the field."""
    diag = getattr(exc.orig, "diag", None)
    name = getattr(diag, "constraint_name", None) or ""
    values = _detail_values(getattr(diag, "message_detail", None) or "")
    if name in _MESSAGES:
        field, template = _MESSAGES[name]
        message = f"{field}: " + template.format(value=values.get(field, values.get("value", "")))
        return ConflictError(message, details={field: message})
    constraint = _find(name)
    if isinstance(constraint, UniqueConstraint) or name.startswith("uq_"):
        columns = _columns(constraint) or [name]
        fields = [c for c in columns if c not in _SCOPE_COLUMNS] or columns
        field = _field_name(fields[-1])
        message = f"{field}: this value is already used ({name})"
        return ConflictError(message, details={field: message})
    if isinstance(constraint, ForeignKeyConstraint) or name.startswith("fk_"):
        columns = _columns(constraint) or _key_columns(name) or ["reference"]
        field = _field_name(columns[0])
        message = f"{field}: refers to a row that does not exist, or is still referred to"
        return ValidationError(message, details={field: message})
    if isinstance(constraint, CheckConstraint) or name.startswith("ck_"):
        message = f"the values break the rule {name!r}"
        return ValidationError(message, details={"constraint": name})
    if getattr(diag, "column_name", None):
        field = _field_name(diag.column_name)
        message = f"{field}: a value is required"
        return ValidationError(message, details={field: message})
    return ConflictError("the change conflicts with stored data", details={"constraint": name})


def _find(name: str) -> object | None:
    for table in metadata.tables.values():
        for constraint in table.constraints:
            if constraint.name == name:
                return constraint
        for index in table.indexes:
            if index.name == name:
                return index
    return None


def _columns(constraint: object | None) -> list[str]:
    columns = getattr(constraint, "columns", None)
    if columns is None:
        return []
    return [c.name for c in columns if hasattr(c, "name")]


def _key_columns(name: str) -> list[str]:
    """The first column of a foreign key that the database still names but the models no
    longer declare (migrations 0021, 0023 and 0026 check those keys with triggers, raising the
    key's name), read from the naming convention ``fk_<table>_<column>_<referred table>``."""
    tables = sorted(metadata.tables, key=len, reverse=True)
    table = next((t for t in tables if name.startswith(f"fk_{t}_")), None)
    if table is None:
        return []
    rest = name[len(f"fk_{table}_"):]
    referred = next((t for t in tables if rest.endswith(f"_{t}") and len(rest) > len(t) + 1),
                    None)
    return [] if referred is None else [rest[:-len(referred) - 1]]


def _field_name(column: str) -> str:
    return column[:-3] if column.endswith("_id") else column


def _detail_values(detail: str) -> dict[str, str]:
    """``Key (competition_id, bib)=(3, 17) already exists.`` -> ids and values by column."""
    if not detail.startswith("Key (") or ")=(" not in detail:
        return {}
    keys_part, _, rest = detail[len("Key ("):].partition(")=(")
    values_part = rest.split(")", 1)[0]
    keys = [k.strip() for k in keys_part.split(",")]
    values = [v.strip() for v in values_part.split(",")]
    if len(keys) != len(values):
        return {}
    found = dict(zip(keys, values, strict=True))
    if keys:
        found["value"] = values[-1]
    return found

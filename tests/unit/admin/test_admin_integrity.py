"""A constraint the database enforced, named back to the admin as the field to change."""

from types import SimpleNamespace

import pytest
from sqlalchemy.exc import IntegrityError

from athsys.errors import ConflictError, ValidationError
from webui.views.integrity import constraint_error

pytestmark = pytest.mark.unit


def _violation(constraint: str, detail: str) -> IntegrityError:
    diag = SimpleNamespace(constraint_name=constraint, message_detail=detail, column_name=None)
    return IntegrityError("INSERT …", {}, SimpleNamespace(diag=diag))


@pytest.mark.parametrize(("constraint", "detail", "field"), [
    # keys the models declare
    ("fk_entry_athlete_id_athlete",
     'Key (athlete_id)=(9) is not present in table "athlete".', "athlete"),
    # keys checked by triggers under their old names (migrations 0021, 0023 and 0026)
    ("fk_timing_split_heat_id_lane_assignment",
     'Key (heat_id, entry_id)=(4, 7) is not present in table "lane_assignment".', "heat"),
    ("fk_timing_split_timing_point_id_timing_point",
     'Key (id)=(3) is still referenced from table "timing_split".', "timing_point"),
    ("fk_timing_read_device_id_timing_device",
     'Key (device_id)=(2) is not present in table "timing_device".', "device"),
    ("fk_result_heat_id_heat",
     'Key (heat_id)=(5) is not present in table "heat".', "heat"),
    ("fk_result_entry_id_entry",
     'Key (id)=(8) is still referenced from table "result".', "entry"),
    ("fk_nothing_we_know", "", "reference"),
])
def test_a_broken_key_names_its_field(constraint: str, detail: str, field: str) -> None:
    error = constraint_error(_violation(constraint, detail))
    assert isinstance(error, ValidationError)
    assert error.message == f"{field}: refers to a row that does not exist, or is still referred to"
    assert set(error.details) == {field}


def test_a_taken_bib_is_said_in_words() -> None:
    error = constraint_error(_violation(
        "uq_entry_competition_id_bib", "Key (competition_id, bib)=(3, 17) already exists."))
    assert isinstance(error, ConflictError)
    assert error.message == "bib: bib 17 is already used in this competition"

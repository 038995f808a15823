import pytest
from werkzeug.datastructures import MultiDict
from wtforms import Form

from athsys.sport.disciplines import discipline
from webui.views.integrity import _detail_values
from webui.views.marks import MarkField, ReactionTimeField, WindField, show_mark, show_reaction

pytestmark = pytest.mark.unit


def _form(code):
    class MarkForm(Form):
        mark = MarkField("Mark", of_form=lambda form: discipline(code), of_item=lambda i: None)
        wind = WindField()
        reaction_time = ReactionTimeField()
    return MarkForm


@pytest.mark.parametrize(("code", "text", "stored"), [
    ("100m", "10.43", 10430), ("100m", "8.41", 8410), ("MAR", "2:09:45", 7785000),
    ("LJ", "8.41", 8410), ("HJ", "2.05", 2050),
])
def test_marks_are_parsed_in_the_disciplines_notation(code, text, stored):
    form = _form(code)(MultiDict({"mark": text, "wind": "+1.2", "reaction_time": "0.145"}))
    assert form.validate(), form.errors
    assert (form.mark.data, form.wind.data, form.reaction_time.data) == (stored, 12, 145)


@pytest.mark.parametrize(("code", "text", "error"), [
    ("100m", "abc", "mark: 'abc' is not a time mark"),
    ("LJ", "2:09:45", "mark: a distance is written in metres such as 8.41, not as a time"),
    ("LJ", "-8.41", "mark: a mark cannot be negative"),
])
def test_a_mark_in_the_wrong_notation_is_an_error_on_the_field(code, text, error):
    form = _form(code)(MultiDict({"mark": text}))
    assert not form.validate()
    assert any(message.startswith(error) for message in form.errors["mark"])


def test_blank_optional_fields_store_none():
    form = _form("100m")(MultiDict({"mark": "", "wind": "", "reaction_time": ""}))
    assert form.validate()
    assert (form.mark.data, form.wind.data, form.reaction_time.data) == (None, None, None)


@pytest.mark.parametrize(("value", "code", "shown"), [
    (10430, "100m", "10.43"), (9991, "100m", "10.00"), (7784300, "MAR", "2:09:45"),
    (8417, "LJ", "8.41"), (2050, "HJ", "2.05"), (None, "100m", ""),
])
def test_stored_marks_are_shown_in_notation(value, code, shown):
    assert show_mark(value, discipline(code)) == shown


def test_reaction_time_is_shown_to_the_thousandth():
    assert show_reaction(145) == "0.145"


def test_unique_violation_detail_gives_the_values():
    detail = "Key (competition_id, bib)=(3, 17) already exists."
    assert _detail_values(detail) == {"competition_id": "3", "bib": "17", "value": "17"}

import pytest
from marshmallow import ValidationError

from athsys.accounts import roles
from athsys.accounts.schemas import LoginSchema, PaginationSchema, UserCreateSchema
from athsys.athletes.schemas import AthleteCreateSchema
from athsys.competitions.schemas import RaceCreateSchema, RaceUpdateSchema
from athsys.errors import ValidationError as AthsysValidationError
from athsys.results.schemas import ResultCreateSchema
from athsys.sport.fields import resolve_notation
from athsys.sport.marks import Measure

pytestmark = pytest.mark.unit


def _errors(schema, data):
    with pytest.raises(ValidationError) as caught:
        schema.load(data)
    return caught.value.messages


def test_login_by_username_or_email():
    assert LoginSchema().load({"username": "ann", "password": "x"})["username"] == "ann"
    assert LoginSchema().load({"email": "a@b.org", "password": "x"})["email"] == "a@b.org"
    assert set(_errors(LoginSchema(), {"password": "x"})) == {"username"}
    assert set(_errors(LoginSchema(), {"user": "ann"})) == {"user", "password", "username"}


def test_race_minimal_body_of_the_seed():
    data = RaceCreateSchema().load({"name": "Test Race", "date": "2024-01-15T10:00:00"})
    assert data["name"] == "Test Race" and data["round_id"] is None
    assert data["date"].isoformat() == "2024-01-15T10:00:00"


def test_race_every_bad_field_and_unknown_ones():
    errors = _errors(RaceCreateSchema(), {"date": "soon", "number": 0, "laps": 3, "wind": "fast"})
    assert set(errors) == {"name", "date", "number", "laps", "wind"}
    assert errors["laps"] == ["Unknown field."]


def test_standalone_fields_only_without_round():
    errors = _errors(RaceCreateSchema(), {"name": "R", "date": "2024-01-15T10:00:00",
                                          "round_id": 3, "sex": "F"})
    assert set(errors) == {"sex"}


def test_race_update_is_partial():
    assert RaceUpdateSchema().load({"wind": "+1.2"}) == {"wind": 12}


@pytest.mark.parametrize("args, expected", [({}, (1, 20)),
                                            ({"page": "3", "per_page": "100"}, (3, 100))])
def test_pagination_defaults(args, expected):
    assert PaginationSchema().load_page(args) == expected


@pytest.mark.parametrize("args, field", [({"per_page": "101"}, "per_page"), ({"page": "0"}, "page"),
                                         ({"per_page": "0"}, "per_page"), ({"page": "x"}, "page")])
def test_pagination_bounds(args, field):
    assert field in _errors(PaginationSchema(), args)


def test_pagination_maximum_from_settings():
    assert PaginationSchema(default_per_page=10, max_per_page=50).load_page({}) == (1, 10)
    assert "per_page" in _errors(PaginationSchema(max_per_page=50), {"per_page": "51"})


def test_marks_as_integers_or_notation_never_floats():
    data = ResultCreateSchema().load({"race_id": 1, "entry_id": 2, "mark": "1:45.12"})
    resolve_notation(data, Measure.TIME, ("mark",))
    assert data["mark"] == 105120
    assert ResultCreateSchema().load({"race_id": 1, "entry_id": 2, "mark": 9580})["mark"] == 9580
    assert "mark" in _errors(ResultCreateSchema(), {"race_id": 1, "entry_id": 2, "mark": 10.21})
    assert "mark" in _errors(ResultCreateSchema(), {"race_id": 1, "entry_id": 2, "mark": True})


def test_resolve_notation_names_every_bad_mark():
    data = {"mark": "8.41", "net_mark": "fast", "seed_mark": "abc"}
    with pytest.raises(AthsysValidationError) as caught:
        resolve_notation(data, Measure.DISTANCE, ("mark", "net_mark", "seed_mark"))
    assert set(caught.value.details) == {"net_mark", "seed_mark"}


def test_user_and_athlete_schemas():
    errors = _errors(UserCreateSchema(), {"username": "a b", "email": "nope", "password": "short",
                                          "first_name": "", "last_name": "L", "roles": []})
    assert set(errors) == {"username", "email", "password", "first_name", "roles"}
    errors = _errors(AthleteCreateSchema(), {"first_name": "A", "last_name": "B", "sex": "X",
                                             "birth_date": "1850-01-01", "nationality": "fr"})
    assert set(errors) == {"sex", "birth_date", "nationality"}


def test_user_roles_are_the_matrix_roles():
    account = {"username": "ann", "email": "ann@example.org", "password": "long-enough",
               "first_name": "Ann", "last_name": "Lee"}
    assert "roles" in _errors(UserCreateSchema(), {**account, "roles": ["Referee"]})
    loaded = UserCreateSchema().load({**account, "roles": [roles.STARTER, roles.COACH]})
    assert loaded["roles"] == [roles.STARTER, roles.COACH]

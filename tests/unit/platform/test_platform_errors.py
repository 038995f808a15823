import pytest

from athsys import errors

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("cls", "status"),
    [
        (errors.ValidationError, 400),
        (errors.AuthenticationError, 401),
        (errors.AuthorizationError, 403),
        (errors.NotFoundError, 404),
        (errors.ConflictError, 409),
        (errors.RateLimitError, 429),
        (errors.DatabaseError, 500),
        (errors.ExternalServiceError, 503),
    ],
)
def test_hierarchy_status_codes(cls: type[errors.AthsysError], status: int) -> None:
    exc = cls("something happened", details={"field": "bad"})
    assert isinstance(exc, errors.AthsysError)
    assert exc.status_code == status
    body = exc.to_dict()
    assert body["message"] == "something happened"
    assert body["details"] == {"field": "bad"}
    assert body["type"] == cls.error_type
    assert body["code"] == cls.error_type


def test_custom_code() -> None:
    exc = errors.ConflictError("bib 12 is taken", code="duplicate_bib")
    assert exc.to_dict()["code"] == "duplicate_bib"
    assert exc.to_dict()["type"] == "conflict"

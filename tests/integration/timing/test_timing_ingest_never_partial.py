"""Whatever a timing device sends, the device API stores all of it or none of it (Hypothesis).

Bodies of every passing format, mostly plausible and some hostile (the shapes of the parsers'
property tests), and the FinishLynx file of a heat with one line damaged, go through the
real API into PostgreSQL: a refusal (4xx) leaves every table as it was and names the
problem; an acceptance stores exactly what its answer counts.
"""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.integration.timing.test_timing_ingest_lif import lif_text
from tests.integration.timing.timing_ingest_support import Race, bearer
from tests.unit.timing.test_timing_formats_properties import SHAPED, field_value

pytestmark = pytest.mark.integration

THROUGH_THE_API = settings(max_examples=40, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

_STATE = text(
    "SELECT (SELECT count(*) FROM timing_read), (SELECT count(*) FROM read_batch),"
    " (SELECT count(*) FROM result), (SELECT count(*) FROM result_revision),"
    " (SELECT coalesce(sum(revision), 0) FROM result),"
    " (SELECT string_agg(status::text, ',' ORDER BY id) FROM heat)")


def _state(engine: Engine) -> tuple[object, ...]:
    with engine.connect() as conn:
        return tuple(conn.execute(_STATE).one())


def _refused_with_a_reason(response) -> None:  # type: ignore[no-untyped-def]
    body = response.get_json()
    assert body["success"] is False and body["error"]["message"], body


def _decoder_line(read: int, damaged: tuple[int, str] | None) -> str:
    fields = f"{read};C{101 + read % 6};2025-10-12;09:3{read % 10}:12.345;1;5;-61;;1;1;1;0;1;99;21;;Box1;1;2;42".split(";")  # noqa: E501
    if damaged is not None:
        fields[damaged[0] % len(fields)] = damaged[1]
    return ";".join(fields)


# Decoder lines of the race's day, now and then one with a damaged field.
DECODER_LINES = st.lists(
    st.tuples(st.integers(1, 10**6),
              st.one_of(st.none(), st.none(), st.tuples(st.integers(0, 19), field_value))),
    min_size=1, max_size=8, unique_by=lambda read: read[0],
).map(lambda reads: "\r\n".join(_decoder_line(*read) for read in reads))


_READS = text("SELECT (SELECT count(*) FROM timing_read), (SELECT count(*) FROM read_batch)")


def _reads(engine: Engine) -> tuple[object, ...]:
    """What the device API writes itself (results follow later, from a worker that may still
    be processing an earlier example's reads: they are not this request's to keep)."""
    with engine.connect() as conn:
        return tuple(conn.execute(_READS).one())


def _post_passings(client: FlaskClient, race: Race, engine: Engine, body: str) -> int:
    before = _reads(engine)
    response = client.post("/api/timing/passings", data=body.encode(),
                           content_type="text/plain", headers=bearer(race.tokens["finish"]))
    after = _reads(engine)
    assert response.status_code < 500, response.get_data(as_text=True)
    if response.status_code >= 400:
        _refused_with_a_reason(response)
        assert after == before
        return 0
    data = response.get_json()["data"]
    stored = after[0] - before[0]  # type: ignore[operator]
    assert stored == (0 if data["replay"] else data["accepted"])
    return stored


@THROUGH_THE_API
@given(body=SHAPED["detected"])
def test_a_payload_of_any_format_is_stored_whole_or_not_at_all(
    client: FlaskClient, race: Race, committed_db: Engine, body: str
) -> None:
    _post_passings(client, race, committed_db, body)


@THROUGH_THE_API
@given(body=DECODER_LINES)
def test_decoder_lines_with_a_damaged_field_are_stored_whole_or_not_at_all(
    client: FlaskClient, race: Race, committed_db: Engine, body: str
) -> None:
    _post_passings(client, race, committed_db, body)


@THROUGH_THE_API
@given(line=st.integers(1, 6), column=st.integers(0, 11), value=field_value)
def test_a_lif_with_one_damaged_field_is_imported_whole_or_not_at_all(
    client: FlaskClient, race: Race, committed_db: Engine, line: int, column: int, value: str
) -> None:
    lines = lif_text(race).split("\r\n")
    fields = lines[line].split(",")
    fields[min(column, len(fields) - 1)] = value
    lines[line] = ",".join(fields)
    before = _state(committed_db)
    response = client.post("/api/timing/lif?filename=001-1-01.lif", data="\r\n".join(lines),
                           content_type="text/plain", headers=bearer(race.tokens["camera"]))
    assert response.status_code < 500, response.get_data(as_text=True)
    if response.status_code >= 400:
        _refused_with_a_reason(response)
        assert _state(committed_db) == before

"""``POST /api/scoring/combined`` and ``POST /api/scoring/age-grade``: the calculators.

Public: no sign-in. They compute from the marks in the request and read nothing stored,
so there is nothing to protect; officials and coaches use them away from any meet. The
application-wide rate limit applies as to every request.

Bodies and answers are :mod:`athsys.scoring.schemas`; marks may be integers (ms, mm) or
the sport's notation (``"10.55"``, ``"4:36.11"``, ``"7.80"``).
"""

from __future__ import annotations

from flask import Blueprint, Response

from athsys.scoring.schemas import (
    AgeGradeRequestSchema,
    AgeGradeSchema,
    CombinedScoreRequestSchema,
    CombinedScoreSchema,
)
from athsys.sport.age_grading import age_grade
from athsys.sport.combined import score_competition
from webui.api import openapi
from webui.api.envelope import json_body, success
from webui.api.resources import load

blueprint = Blueprint("api_scoring", __name__, url_prefix="/api/scoring")


@blueprint.post("/combined")
def combined() -> Response:
    data = load(CombinedScoreRequestSchema(), json_body())
    score = score_competition(data["competition"], data["marks"],
                              hand_timed=data["hand_timed"])
    return success(CombinedScoreSchema().dump(score))


@blueprint.post("/age-grade")
def age_grade_mark() -> Response:
    data = load(AgeGradeRequestSchema(), json_body())
    return success(AgeGradeSchema().dump(
        age_grade(**data)))


openapi.describe(
    "api_scoring.combined",
    summary="Combined-events points: each event's points and the running total",
    description="World Athletics tables; below the threshold or no mark scores 0. Public.",
    tag="scoring", request=CombinedScoreRequestSchema(), response=CombinedScoreSchema(),
)
openapi.describe(
    "api_scoring.age_grade_mark",
    summary="Age grade of a mark (WMA 2023 track and field, Alan Jones road 2020 or 2025)",
    description="Age-graded percentage and time or distance. `edition` chooses the road "
                "tables (default: the newest, 2025); the answer's `table` names the one used. "
                "The percentage is cut to two decimals, never rounded up; age standards and "
                "age-graded times are rounded up to the millisecond, distances down to the "
                "millimetre. Public.",
    tag="scoring", request=AgeGradeRequestSchema(), response=AgeGradeSchema(),
)

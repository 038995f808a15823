"""``athsys score combined`` and ``athsys score age-grade``: the calculators, offline.

They read the same requests as ``POST /api/scoring/combined`` and ``/api/scoring/age-grade``
(:mod:`athsys.scoring.schemas`), need no database, and print a table (or JSON with
``--json``)::

    athsys score combined men_decathlon 100m=10.55 LJ=7.80 SP=16.00 ... 1500m=4:36.11
    athsys score age-grade --sex F --age 52 --event ROAD_10K --mark 41:30
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from marshmallow import ValidationError as SchemaError

from athsys.config import Settings
from athsys.errors import ValidationError
from athsys.scoring.schemas import (
    AgeGradeRequestSchema,
    AgeGradeSchema,
    CombinedScoreRequestSchema,
    CombinedScoreSchema,
)
from athsys.sport.age_grading import DEFAULT_EDITION, ROAD_EDITIONS, age_grade, age_grade_events
from athsys.sport.combined import competition_keys, get_competition, score_competition
from athsys.sport.marks import Measure, format_mark


def _load(schema: Any, data: dict[str, Any]) -> dict[str, Any]:
    try:
        return schema.load(data)  # type: ignore[no-any-return]
    except SchemaError as exc:
        messages = exc.normalized_messages()
        raise ValidationError(f"invalid input: {json.dumps(messages)}", details=messages) from None


def _event_mark(text: str) -> tuple[str, str]:
    event, sep, mark = text.partition("=")
    if not sep or not event:
        raise argparse.ArgumentTypeError(f"{text!r}: write EVENT=MARK, e.g. 100m=10.55")
    return event, mark


def cmd_combined(args: argparse.Namespace, settings: Settings) -> int:
    data = _load(CombinedScoreRequestSchema(), {
        "competition": args.competition, "marks": dict(args.marks),
        "hand_timed": args.hand_timed,
    })
    score = CombinedScoreSchema().dump(score_competition(
        data["competition"], data["marks"], hand_timed=data["hand_timed"]))
    if args.json:
        print(json.dumps(score, indent=2))
        return 0
    spec = get_competition(score["competition"])
    print(f"{score['competition']}")
    print(f"{'event':<8}{'mark':>10}{'points':>8}{'total':>8}")
    for line in score["events"]:
        measure = Measure.TIME if spec.event(line["event"]).kind == "track" else Measure.DISTANCE
        mark = "" if line["mark"] is None else format_mark(line["mark"], measure)
        print(f"{line['event']:<8}{mark:>10}{line['points']:>8}{line['running_total']:>8}")
    print(f"total {score['total']}")
    return 0


def cmd_age_grade(args: argparse.Namespace, settings: Settings) -> int:
    data = _load(AgeGradeRequestSchema(), {
        "sex": args.sex, "age": args.age, "event": args.event, "mark": args.mark,
        "edition": args.edition})
    graded = AgeGradeSchema().dump(age_grade(**data))
    if args.json:
        print(json.dumps(graded, indent=2))
        return 0
    timed = age_grade_events(data["edition"])[data["event"]] == "time"
    measure = Measure.TIME if timed else Measure.DISTANCE
    for key in ("table", "event", "sex", "age", "mark", "factor", "open_standard",
                "age_standard", "age_graded_mark", "percentage"):
        value = graded[key]
        if key in ("mark", "open_standard", "age_standard", "age_graded_mark"):
            value = format_mark(value, measure, road=data["event"].startswith("ROAD_"))
        print(f"{key:<16}{value}")
    return 0


def add_commands(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Register ``score combined`` and ``score age-grade`` on the ``athsys`` parser."""
    score = sub.add_parser("score", help="combined-events points and age grading calculators",
                           parents=[common])
    score_sub = score.add_subparsers(dest="score_command", required=True, metavar="COMMAND")

    combined = score_sub.add_parser(
        "combined", parents=[common],
        help="World Athletics points of each event, the running total and the total")
    combined.add_argument("competition", help=", ".join(competition_keys()))
    combined.add_argument("marks", nargs="+", type=_event_mark, metavar="EVENT=MARK",
                          help="e.g. 100m=10.55 LJ=7.80 1500m=4:36.11 (seconds, metres);"
                               " an event left out scores 0")
    combined.add_argument("--hand-timed", action="append", default=[], metavar="EVENT",
                          help="a race timed by hand (repeatable)")
    combined.add_argument("--json", action="store_true", help="print JSON")
    combined.set_defaults(func=cmd_combined)

    grade = score_sub.add_parser("age-grade", parents=[common],
                                 help="age-graded percentage and mark (WMA 2023, road tables "
                                      f"{' or '.join(ROAD_EDITIONS)})")
    grade.add_argument("--sex", required=True, choices=("M", "F"))
    grade.add_argument("--age", required=True, type=int)
    grade.add_argument("--event", required=True, help="e.g. 100m, SH, HJ, ROAD_10K")
    grade.add_argument("--mark", required=True, help="e.g. 12.34, 41:30, 5.20")
    grade.add_argument("--edition", choices=ROAD_EDITIONS, default=DEFAULT_EDITION,
                       help=f"road tables to use (default {DEFAULT_EDITION}, the newest)")
    grade.add_argument("--json", action="store_true", help="print JSON")
    grade.set_defaults(func=cmd_age_grade)

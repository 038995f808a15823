import json

import pytest

from webui.cli.main import main

pytestmark = pytest.mark.integration

MAYER = {"100m": "10.55", "LJ": "7.80", "SP": "16.00", "HJ": "2.05", "400m": "48.42",
         "110mH": "13.75", "DT": "50.54", "PV": "5.45", "JT": "71.90", "1500m": "4:36.11"}
MAYER_POINTS = [963, 1010, 851, 850, 889, 1007, 882, 1051, 918, 705]


def test_combined_calculator_api_scores_the_decathlon_world_record(client):
    response = client.post("/api/scoring/combined",
                           json={"competition": "men_decathlon", "marks": MAYER})
    assert response.status_code == 200, response.get_json()
    data = response.get_json()["data"]
    assert data["total"] == 9126
    assert [e["points"] for e in data["events"]] == MAYER_POINTS
    assert data["events"][4]["running_total"] == 4563


def test_combined_calculator_api_below_threshold_and_missing_events_score_zero(client):
    response = client.post("/api/scoring/combined", json={
        "competition": "women_heptathlon", "marks": {"100mH": "30.00", "HJ": None}})
    data = response.get_json()["data"]
    assert response.status_code == 200
    assert data["total"] == 0 and [e["points"] for e in data["events"]] == [0] * 7


def test_combined_calculator_api_names_a_bad_mark(client):
    response = client.post("/api/scoring/combined", json={
        "competition": "men_decathlon", "marks": {"LJ": 7.8, "XX": "1"}})
    body = response.get_json()
    assert response.status_code == 400 and body["success"] is False
    assert set(body["error"]["details"]["marks"]) == {"LJ", "XX"}


def test_age_grade_calculator_api(client):
    response = client.post("/api/scoring/age-grade", json={
        "sex": "F", "age": 52, "event": "ROAD_10K", "mark": "41:30", "edition": "2020"})
    assert response.status_code == 200, response.get_json()
    data = response.get_json()["data"]
    assert data["percentage"] == "83.04" and data["factor"] == "0.8623"
    # by default the newest tables: OC 1726 s, 1726 / (0.8623 * 2490) = 80.387... -> 80.38
    newest = client.post("/api/scoring/age-grade", json={
        "sex": "F", "age": 52, "event": "ROAD_10K", "mark": "41:30"}).get_json()["data"]
    assert (newest["table"], newest["percentage"]) == ("Alan Jones 2025 road", "80.38")
    unknown = client.post("/api/scoring/age-grade", json={
        "sex": "F", "age": 52, "event": "ROAD_10K", "mark": "41:30", "edition": "2015"})
    assert unknown.status_code == 400 and "edition" in unknown.get_json()["error"]["details"]
    bad = client.post("/api/scoring/age-grade", json={
        "sex": "F", "age": 12, "event": "100m", "mark": "12.00"})
    assert bad.status_code == 400
    assert "outside the WMA 2023 table" in bad.get_json()["error"]["message"]


def test_cli_combined(settings, capsys):
    assert main(["score", "combined", "men_decathlon", "--json",
                 *(f"{event}={mark}" for event, mark in MAYER.items())]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["total"] == 9126
    assert [e["points"] for e in printed["events"]] == MAYER_POINTS
    assert main(["score", "combined", "men_decathlon", "100m=10.55", "LJ=7.80"]) == 0
    table = capsys.readouterr().out
    assert "100m         10.55     963     963" in table and "total 1973" in table


def test_cli_combined_refuses_an_unknown_event(settings, capsys):
    assert main(["score", "combined", "men_decathlon", "60m=6.80"]) == 1
    assert "'60m' is not an event of the men_decathlon" in capsys.readouterr().err


def test_cli_age_grade(settings, capsys):
    assert main(["score", "age-grade", "--sex", "F", "--age", "52", "--event", "ROAD_10K",
                 "--mark", "41:30", "--edition", "2020"]) == 0
    out = capsys.readouterr().out
    assert "percentage      83.04" in out and "age_graded_mark 35:48" in out
    assert main(["score", "age-grade", "--sex", "F", "--age", "52", "--event", "ROAD_10K",
                 "--mark", "41:30"]) == 0
    out = capsys.readouterr().out
    assert "Alan Jones 2025 road" in out and "percentage      80.38" in out

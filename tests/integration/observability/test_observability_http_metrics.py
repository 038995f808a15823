"""``/metrics`` of the real application: HTTP counters, bounded labels, database timings."""

import random

import pytest
import redis as redis_lib
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from athsys.jobs import Queue
from tasks.metrics import queue_keys, queue_lengths, refresh_queue_lengths

pytestmark = pytest.mark.integration


def _scrape(client: FlaskClient) -> dict[str, list[tuple[dict[str, str], float]]]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    samples: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((dict(sample.labels), sample.value))
    return samples


def _value(samples: dict, name: str, **labels: str) -> float:
    return sum(v for sample_labels, v in samples.get(name, [])
               if all(sample_labels.get(k) == x for k, x in labels.items()))


def test_requests_are_counted_by_rule_template_and_status(client: FlaskClient) -> None:
    before = _scrape(client)
    for _ in range(3):
        assert client.get("/live").status_code == 200
    assert client.get("/no/such/page").status_code == 404
    after = _scrape(client)
    live = {"method": "GET", "endpoint": "/live", "status_code": "200"}
    assert (_value(after, "athsys_http_requests_total", **live)
            - _value(before, "athsys_http_requests_total", **live)) == 3
    unmatched = {"method": "GET", "endpoint": "unmatched", "status_code": "404"}
    assert (_value(after, "athsys_http_requests_total", **unmatched)
            - _value(before, "athsys_http_requests_total", **unmatched)) == 1
    timed = {"method": "GET", "endpoint": "/live"}
    assert (_value(after, "athsys_http_request_duration_seconds_count", **timed)
            - _value(before, "athsys_http_request_duration_seconds_count", **timed)) == 3


def test_a_flood_of_random_urls_does_not_grow_the_label_set(
    app: Flask, client: FlaskClient
) -> None:
    rng = random.Random(404)
    client.get("/this/does/not/exist")  # the one "unmatched" series may appear once
    client.post("/this/does/not/exist")
    client.open("/this/does/not/exist", method="PROPFIND")
    before = _scrape(client)["athsys_http_requests_total"]
    for _ in range(300):
        path = "/" + "/".join(
            "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789-_.%") for _ in range(8))
            for _ in range(rng.randint(1, 4))
        )
        method = rng.choice(["GET", "POST", "PROPFIND"])
        assert client.open(path, method=method).status_code in (404, 405)
    after = _scrape(client)["athsys_http_requests_total"]
    label_sets = lambda samples: {tuple(sorted(sample_labels.items()))  # noqa: E731
                                  for sample_labels, _ in samples}
    new = label_sets(after) - label_sets(before)
    # only the scrape endpoint itself may have appeared; never a random path
    assert {dict(n)["endpoint"] for n in new} <= {"/metrics"}
    templates = {rule.rule for rule in app.url_map.iter_rules()} | {"unmatched"}
    assert {sample_labels["endpoint"] for sample_labels, _ in after} <= templates


def test_database_statements_of_a_request_are_timed(client: FlaskClient) -> None:
    before = _scrape(client)
    assert client.get("/ready").status_code == 200  # SELECT 1 and the migration check
    after = _scrape(client)
    assert (_value(after, "athsys_db_query_duration_seconds_count", operation="select")
            - _value(before, "athsys_db_query_duration_seconds_count", operation="select")) >= 2


def test_metrics_report_every_queue_length(client: FlaskClient) -> None:
    samples = _scrape(client)
    assert ({sample_labels["queue"] for sample_labels, _ in samples["athsys_queue_length"]}
            == set(Queue.ALL))


def test_queue_lengths_count_every_priority_list(redis_client: redis_lib.Redis) -> None:
    queue = "obs-test-queue"
    plain, *priorities = queue_keys(queue)
    redis_client.rpush(plain, "a", "b")
    redis_client.rpush(priorities[-1], "c")
    assert queue_lengths(redis_client, [queue, "obs-empty"]) == {queue: 3, "obs-empty": 0}


def test_an_unreachable_broker_leaves_the_gauge_alone() -> None:
    closed = redis_lib.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5)
    assert refresh_queue_lengths(closed) is False

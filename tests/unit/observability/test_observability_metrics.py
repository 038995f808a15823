"""The metrics of athsys.metrics: exact names, bounded labels, multiprocess aggregation."""

import json
import os
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from prometheus_client import REGISTRY, Gauge
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, text

from athsys import metrics

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]

SEED_NAMES = {
    "athsys_http_requests_total",
    "athsys_http_request_duration_seconds",
    "athsys_db_query_duration_seconds",
    "athsys_cache_hits_total",
    "athsys_cache_misses_total",
    "athsys_authentication_failures_total",
}

EXPECTED_LABELS = {
    "athsys_http_requests_total": ("method", "endpoint", "status_code"),
    "athsys_http_request_duration_seconds": ("method", "endpoint"),
    "athsys_db_query_duration_seconds": ("operation",),
    "athsys_cache_hits_total": ("cache",),
    "athsys_cache_misses_total": ("cache",),
    "athsys_authentication_failures_total": ("reason",),
    "athsys_task_started_total": ("task",),
    "athsys_task_succeeded_total": ("task",),
    "athsys_task_failures_total": ("task",),
    "athsys_task_retries_total": ("task",),
    "athsys_task_duration_seconds": ("task", "outcome"),
    "athsys_tasks_in_progress": ("task",),
    "athsys_queue_length": ("queue",),
    "athsys_ingest_reads_total": ("outcome",),
    "athsys_ingest_lag_seconds": (),
    "athsys_results_published_total": (),
    "athsys_backup_last_success_timestamp_seconds": (),
    "athsys_db_pool_checked_out_connections": (),
}


def _metric_objects() -> dict[str, object]:
    found = {}
    for value in vars(metrics).values():
        describe = getattr(value, "describe", None)
        if callable(describe) and hasattr(value, "_labelnames"):
            family = describe()[0]
            name = family.name + ("_total" if family.type == "counter" else "")
            found[name] = value
    return found


def _sample(name: str, labels: dict[str, str]) -> float:
    value = REGISTRY.get_sample_value(name, labels)
    return 0.0 if value is None else value


def _series(name: str) -> list[dict[str, str]]:
    families = text_string_to_metric_families(metrics.render_latest().decode())
    return [dict(s.labels) for f in families for s in f.samples if s.name == name]


def test_the_seed_names_are_exported_exactly() -> None:
    assert SEED_NAMES <= metrics.METRIC_NAMES
    exposition = metrics.render_latest().decode()
    for name in ("athsys_http_request_duration_seconds", "athsys_db_query_duration_seconds"):
        assert f"# TYPE {name} histogram" in exposition
    for name in ("athsys_http_requests_total", "athsys_cache_hits_total",
                 "athsys_cache_misses_total", "athsys_authentication_failures_total"):
        assert f"# TYPE {name} counter" in exposition


def test_metric_names_lists_every_metric_with_its_labels() -> None:
    objects = _metric_objects()
    assert set(objects) == metrics.METRIC_NAMES == set(EXPECTED_LABELS)
    for name, labels in EXPECTED_LABELS.items():
        assert tuple(objects[name]._labelnames) == labels, name  # type: ignore[attr-defined]


def test_gauges_aggregate_over_live_processes_except_the_backup_timestamp() -> None:
    for name, metric in _metric_objects().items():
        if isinstance(metric, Gauge):
            mode = metric._multiprocess_mode
            if name == "athsys_backup_last_success_timestamp_seconds":
                assert mode == "max"
            else:
                assert mode.startswith("live"), (name, mode)


@pytest.mark.parametrize(
    ("rule", "label"), [("/api/races/<int:race_id>", "/api/races/<int:race_id>"),
                        (None, "unmatched"), ("", "unmatched")]
)
def test_endpoint_label_is_the_rule_template(rule: str | None, label: str) -> None:
    assert metrics.endpoint_label(rule) == label


@pytest.mark.parametrize(
    ("method", "label"), [("get", "GET"), ("DELETE", "DELETE"), ("PROPFIND", "other"),
                          ("X" * 200, "other")]
)
def test_method_label_is_bounded(method: str, label: str) -> None:
    assert metrics.method_label(method) == label


@pytest.mark.parametrize(
    ("statement", "operation"),
    [("SELECT 1", "select"), ("  insert into t values (1)", "insert"),
     ("UPDATE t SET a = 1", "update"), ("delete from t", "delete"),
     ("WITH x AS (SELECT 1) SELECT * FROM x", "other"), ("", "other"), ("BEGIN", "other")],
)
def test_operation_label_is_the_sql_verb(statement: str, operation: str) -> None:
    assert metrics.operation_label(statement) == operation


def test_a_flood_of_random_paths_adds_one_series_at_most() -> None:
    rng = random.Random(9)
    # Other tests in the same process may already have counted unmatched PUTs or DELETEs:
    # only the series this flood adds are judged.
    before = {tuple(sorted(s.items())) for s in _series("athsys_http_requests_total")}
    for _ in range(500):
        method = rng.choice(["GET", "POST", "BREW", "get"])
        metrics.observe_http_request(method, None, 404, 0.001)
    added = [dict(s) for s in {tuple(sorted(s.items()))
                               for s in _series("athsys_http_requests_total")} - before]
    assert {s["method"] for s in added} <= {"GET", "POST", "other"}
    assert all(s["endpoint"] == "unmatched" and s["status_code"] == "404" for s in added)
    assert len(added) <= 3


def test_unknown_label_values_collapse_to_other() -> None:
    before = _sample("athsys_authentication_failures_total", {"reason": "other"})
    metrics.record_authentication_failure("password was hunter2")
    assert _sample("athsys_authentication_failures_total", {"reason": "other"}) == before + 1
    assert not any(s["reason"] == "password was hunter2"
                   for s in _series("athsys_authentication_failures_total"))
    assert metrics.task_label("not.a.task") == "other"
    assert metrics.task_label("platform.ping") == "platform.ping"
    assert metrics.queue_label("ingest") == "ingest" and metrics.queue_label("x") == "other"


def test_cache_lookups_count_hits_and_misses_per_cache() -> None:
    hits = _sample("athsys_cache_hits_total", {"cache": "leaderboard"})
    misses = _sample("athsys_cache_misses_total", {"cache": "leaderboard"})
    metrics.record_cache_lookup("leaderboard", hit=True)
    metrics.record_cache_lookup("leaderboard", hit=True)
    metrics.record_cache_lookup("leaderboard", hit=False)
    assert _sample("athsys_cache_hits_total", {"cache": "leaderboard"}) == hits + 2
    assert _sample("athsys_cache_misses_total", {"cache": "leaderboard"}) == misses + 1


def test_ingest_reads_count_by_outcome() -> None:
    before = {o: _sample("athsys_ingest_reads_total", {"outcome": o})
              for o in metrics.INGEST_OUTCOMES}
    metrics.record_ingest_reads(accepted=998, duplicate=2, rejected=0)
    assert _sample("athsys_ingest_reads_total", {"outcome": "accepted"}) == before["accepted"] + 998
    assert _sample("athsys_ingest_reads_total", {"outcome": "duplicate"}) == before["duplicate"] + 2
    assert _sample("athsys_ingest_reads_total", {"outcome": "rejected"}) == before["rejected"]
    with pytest.raises(ValueError, match="rejected read count"):
        metrics.record_ingest_reads(rejected=-1)


def test_ingest_lag_is_never_negative() -> None:
    metrics.set_ingest_lag(-3.0)
    assert _sample("athsys_ingest_lag_seconds", {}) == 0.0
    metrics.set_ingest_lag(12.5)
    assert _sample("athsys_ingest_lag_seconds", {}) == 12.5


def test_task_outcomes_are_counted_and_timed() -> None:
    labels = {"task": "platform.ping"}
    started = _sample("athsys_task_started_total", labels)
    succeeded = _sample("athsys_task_succeeded_total", labels)
    retries = _sample("athsys_task_retries_total", labels)
    metrics.task_started("platform.ping")
    assert _sample("athsys_tasks_in_progress", labels) >= 1
    metrics.task_finished("platform.ping", "success", 0.2)
    metrics.task_started("platform.ping")
    metrics.task_finished("platform.ping", "retry", 0.1)
    metrics.task_started("platform.ping")
    metrics.task_finished("platform.ping", "IGNORED", None)
    assert _sample("athsys_task_started_total", labels) == started + 3
    assert _sample("athsys_task_succeeded_total", labels) == succeeded + 1
    assert _sample("athsys_task_retries_total", labels) == retries + 1
    assert _sample("athsys_tasks_in_progress", labels) == 0
    assert _sample("athsys_task_duration_seconds_count",
                   {"task": "platform.ping", "outcome": "success"}) >= 1
    assert not any(s.get("outcome") == "IGNORED" for s in
                   _series("athsys_task_duration_seconds_count"))


def test_instrumented_engine_times_each_statement_once() -> None:
    engine = create_engine("sqlite://")
    metrics.instrument_engine(engine)
    metrics.instrument_engine(engine)  # idempotent: still one observation per statement
    labels = {"operation": "select"}
    before = _sample("athsys_db_query_duration_seconds_count", labels)
    checked_out = _sample("athsys_db_pool_checked_out_connections", {})
    with engine.connect() as conn:
        assert _sample("athsys_db_pool_checked_out_connections", {}) == checked_out + 1
        conn.execute(text("SELECT 1"))
        conn.execute(text("SELECT 2"))
    assert _sample("athsys_db_query_duration_seconds_count", labels) == before + 2
    assert _sample("athsys_db_pool_checked_out_connections", {}) == checked_out
    engine.dispose()


def test_reset_multiprocess_dir_empties_but_keeps_the_directory(tmp_path: Path) -> None:
    (tmp_path / "counter_1.db").write_bytes(b"x")
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "f").write_text("y")
    metrics.reset_multiprocess_dir(tmp_path)
    assert tmp_path.is_dir() and list(tmp_path.iterdir()) == []
    metrics.reset_multiprocess_dir(tmp_path / "new")
    assert (tmp_path / "new").is_dir()
    for name in ("counter_41.db", "gauge_livesum_41.db", "counter_412.db", "counter_7.db"):
        (tmp_path / name).write_bytes(b"x")
    metrics.reset_multiprocess_dir(tmp_path, keep_pid=41)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["counter_41.db", "gauge_livesum_41.db"]


_MULTIPROCESS_SCRIPT = textwrap.dedent(
    """
    import json, os
    from prometheus_client import multiprocess
    from prometheus_client.parser import text_string_to_metric_families
    from athsys import metrics

    def child():
        metrics.observe_http_request("GET", "/live", 200, 0.01)
        metrics.task_started("platform.ping")
        metrics.record_backup_success(1700000000)
        os._exit(0)

    pids = []
    for _ in range(2):
        pid = os.fork()
        if pid == 0:
            child()
        os.waitpid(pid, 0)
        pids.append(pid)
    metrics.observe_http_request("GET", "/live", 200, 0.01)

    def values():
        out = {}
        for family in text_string_to_metric_families(metrics.render_latest().decode()):
            for s in family.samples:
                if s.name in ("athsys_http_requests_total", "athsys_tasks_in_progress",
                              "athsys_backup_last_success_timestamp_seconds"):
                    out[s.name] = out.get(s.name, 0) + s.value
        return out

    before = values()
    for pid in pids:
        multiprocess.mark_process_dead(pid)
    print(json.dumps({"multiprocess": metrics.is_multiprocess(), "before": before,
                      "after": values()}))
    """
)


def test_multiprocess_mode_sums_processes_and_forgets_dead_live_gauges(tmp_path: Path) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-c", _MULTIPROCESS_SCRIPT], env=env,
                         capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["multiprocess"] is True
    assert result["before"]["athsys_http_requests_total"] == 3  # two children and the parent
    assert result["before"]["athsys_tasks_in_progress"] == 2
    assert result["after"]["athsys_http_requests_total"] == 3  # counters outlive processes
    assert result["after"].get("athsys_tasks_in_progress", 0) == 0
    assert result["after"]["athsys_backup_last_success_timestamp_seconds"] == 1700000000

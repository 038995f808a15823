"""Prometheus rules and Grafana dashboards query only metrics that really exist."""

import json
import re
from pathlib import Path

import pytest
import yaml

from athsys import metrics

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
PROMETHEUS = ROOT / "ops" / "prometheus"
GRAFANA = ROOT / "ops" / "grafana"

#: Metrics of the exporters the deployment runs (Prometheus itself, node_exporter,
#: postgres_exporter, redis_exporter, Flower); each name here is one a panel or rule uses.
EXPORTER_METRICS = frozenset(
    {
        "up",
        "process_resident_memory_bytes",
        "node_cpu_seconds_total",
        "node_memory_MemAvailable_bytes",
        "node_memory_MemTotal_bytes",
        "node_filesystem_avail_bytes",
        "node_filesystem_size_bytes",
        "node_load1",
        "node_load5",
        "node_load15",
        "node_disk_read_bytes_total",
        "node_disk_written_bytes_total",
        "node_network_receive_bytes_total",
        "node_network_transmit_bytes_total",
        "pg_up",
        "pg_stat_activity_count",
        "pg_stat_database_xact_commit",
        "pg_stat_database_xact_rollback",
        "pg_stat_database_deadlocks",
        "pg_database_size_bytes",
        "redis_up",
        "redis_evicted_keys_total",
        "redis_expired_keys_total",
        "redis_memory_used_bytes",
        "redis_memory_max_bytes",
        "redis_keyspace_hits_total",
        "redis_keyspace_misses_total",
        "redis_connected_clients",
        "flower_worker_online",
        "flower_worker_number_of_currently_executing_tasks",
    }
)

_KEYWORDS = frozenset({"by", "without", "on", "ignoring", "group_left", "group_right", "and",
                       "or", "unless", "bool", "offset", "inf", "nan"})
_IDENT = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression selects (functions, labels and keywords removed)."""
    stripped = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)        # string literals
    stripped = re.sub(r"\{[^}]*\}", " ", stripped)              # label matchers
    stripped = re.sub(r"\[[^\]]*\]", " ", stripped)             # range selectors
    stripped = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ",
                      stripped)
    names = set()
    for match in _IDENT.finditer(stripped):
        token = match.group()
        rest = stripped[match.end():].lstrip()
        before = stripped[:match.start()]
        if rest.startswith("(") or token.lower() in _KEYWORDS:
            continue  # a function call or an operator keyword
        if before and (before[-1].isdigit() or before[-1] == "."):
            continue  # a unit of a number such as 1e3
        names.add(token)
    return names


def _load_yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def _rule_files() -> list[Path]:
    return sorted((PROMETHEUS / "rules").glob("*.yml"))


def _rules() -> list[dict]:
    return [rule for path in _rule_files() for group in _load_yaml(path)["groups"]
            for rule in group["rules"]]


def _dashboards() -> dict[str, dict]:
    paths = sorted((GRAFANA / "dashboards").glob("*.json"))
    return {p.name: json.loads(p.read_text()) for p in paths}


def _panel_exprs(dashboard: dict) -> list[tuple[str, str]]:
    return [(panel["title"], target["expr"]) for panel in dashboard["panels"]
            for target in panel.get("targets", [])]


def _app_series_names() -> set[str]:
    names = set(metrics.METRIC_NAMES)
    for name in metrics.METRIC_NAMES:
        names |= {f"{name}_bucket", f"{name}_sum", f"{name}_count"}
    return names


def _recorded_names() -> set[str]:
    return {rule["record"] for rule in _rules() if "record" in rule}


def _known_names() -> set[str]:
    return _app_series_names() | _recorded_names() | EXPORTER_METRICS


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        ('sum by (job, le) (rate(athsys_http_request_duration_seconds_bucket{job="web"}[5m]))',
         {"athsys_http_request_duration_seconds_bucket"}),
        ("histogram_quantile(0.95, sum by (le) (rate(x_bucket[5m]))) > 1e3", {"x_bucket"}),
        ('a / on (instance) group_left b or vector(0) unless c offset 5m', {"a", "b", "c"}),
        ('up{job=~"athsys-.*"} == 0', {"up"}),
        ("time() - max(athsys_backup_last_success_timestamp_seconds) > 26 * 3600",
         {"athsys_backup_last_success_timestamp_seconds"}),
    ],
)
def test_metric_name_extraction(expr: str, names: set[str]) -> None:
    assert metric_names(expr) == names


def test_an_unknown_metric_would_be_caught() -> None:
    assert metric_names("rate(athsys_http_request_total[5m])") - _known_names() == {
        "athsys_http_request_total"
    }


def test_rule_expressions_use_only_exported_metrics() -> None:
    unknown = {}
    for rule in _rules():
        missing = metric_names(rule["expr"]) - _known_names()
        if missing:
            unknown[rule.get("record") or rule.get("alert")] = missing
    assert unknown == {}


def test_every_recording_rule_reads_application_metrics_or_other_records() -> None:
    app = _app_series_names()
    for rule in _rules():
        if "record" in rule:
            assert metric_names(rule["expr"]) & (app | _recorded_names()), rule["record"]


def test_the_alerts_the_operator_needs_exist_with_severity_and_summary() -> None:
    alerts = {rule["alert"]: rule for rule in _rules() if "alert" in rule}
    assert {"AthsysHighErrorRate", "AthsysHighLatencyP95", "AthsysIngestionLagHigh",
            "AthsysQueueBacklog", "AthsysWorkerDown", "AthsysBackupMissed",
            "AthsysCacheHitRateLow"} <= set(alerts)
    for name, rule in alerts.items():
        assert rule["labels"]["severity"] in {"warning", "critical"}, name
        assert rule["annotations"]["summary"], name
    backup = alerts["AthsysBackupMissed"]["expr"]
    assert "athsys_backup_last_success_timestamp_seconds" in backup


def test_every_alert_has_a_promtool_unit_test() -> None:
    tested = set()
    for path in sorted((PROMETHEUS / "tests").glob("*.yml")):
        for case in _load_yaml(path)["tests"]:
            tested |= {t["alertname"] for t in case.get("alert_rule_test", [])
                       if t.get("exp_alerts")}
    alerts = {rule["alert"] for rule in _rules() if "alert" in rule}
    assert alerts - tested == set()


def test_rule_tests_load_every_rule_file() -> None:
    for path in sorted((PROMETHEUS / "tests").glob("*.yml")):
        loaded = {(path.parent / f).resolve() for f in _load_yaml(path)["rule_files"]}
        assert loaded == {p.resolve() for p in _rule_files()}


def test_scrape_config_covers_web_workers_and_flower() -> None:
    config = _load_yaml(PROMETHEUS / "prometheus.yml")
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert {"athsys-web", "athsys-worker", "flower", "node"} <= set(jobs)
    assert jobs["athsys-web"]["dns_sd_configs"][0] == {
        "names": ["backend"], "type": "A", "port": 8000, "refresh_interval": "30s"}
    assert jobs["athsys-worker"]["dns_sd_configs"][0]["port"] == 9808
    assert jobs["flower"]["metrics_path"] == "/flower/metrics"
    assert config["rule_files"] == ["rules/*.yml"] and _rule_files()
    # the jobs the alerts name are the jobs that are scraped
    for rule in _rules():
        for job in re.findall(r'job="([^"]+)"', rule["expr"]):
            assert job in jobs, (rule.get("alert"), job)


def test_the_five_dashboards_are_provisioned() -> None:
    titles = {d["title"] for d in _dashboards().values()}
    assert titles == {"AthSys: Application Performance", "AthSys: Database Performance",
                      "AthSys: Infrastructure", "AthSys: Cache Performance", "AthSys: Race Day"}
    uids = [d["uid"] for d in _dashboards().values()]
    assert len(set(uids)) == len(uids)
    provider = _load_yaml(GRAFANA / "provisioning" / "dashboards" / "athsys.yml")
    assert provider["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"


def test_every_panel_query_uses_only_exported_metrics() -> None:
    unknown = {}
    for file_name, dashboard in _dashboards().items():
        for title, expr in _panel_exprs(dashboard):
            missing = metric_names(expr) - _known_names()
            if missing:
                unknown[f"{file_name}: {title}"] = missing
    assert unknown == {}


def test_panels_use_the_provisioned_datasource_and_fit_the_grid() -> None:
    datasource = _load_yaml(GRAFANA / "provisioning" / "datasources" / "prometheus.yml")
    uid = datasource["datasources"][0]["uid"]
    for file_name, dashboard in _dashboards().items():
        ids = [panel["id"] for panel in dashboard["panels"]]
        assert len(ids) == len(set(ids)), file_name
        for panel in dashboard["panels"]:
            assert panel["datasource"]["uid"] == uid, (file_name, panel["title"])
            assert panel["targets"], (file_name, panel["title"])
            assert all(t["datasource"]["uid"] == uid for t in panel["targets"])
            grid = panel["gridPos"]
            assert grid["x"] + grid["w"] <= 24, (file_name, panel["title"])


def test_dashboards_show_what_the_issue_asks_for() -> None:
    by_title = {d["title"]: " ".join(e for _, e in _panel_exprs(d)) for d in _dashboards().values()}
    expect = {
        "AthSys: Application Performance": ["athsys_http_requests", "http_request_duration",
                                            "http_errors"],
        "AthSys: Database Performance": ["athsys_db_query_duration_seconds",
                                         "athsys_db_pool_checked_out_connections"],
        "AthSys: Infrastructure": ["node_cpu_seconds_total", "node_memory_MemAvailable_bytes",
                                   "node_filesystem_avail_bytes"],
        "AthSys: Cache Performance": ["athsys_cache_hit_ratio", "athsys_cache_hits_total",
                                      "athsys_cache_misses_total", "redis_evicted_keys_total"],
        "AthSys: Race Day": ["athsys_ingest_reads", "athsys_ingest_lag_seconds",
                             "athsys_results_published"],
    }
    for title, fragments in expect.items():
        for fragment in fragments:
            assert fragment in by_title[title], (title, fragment)

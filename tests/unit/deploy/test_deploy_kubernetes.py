"""k8s-manifests.yaml: generated from ops/k8s/, valid for Kubernetes 1.30, and holding every
name the seed's commands use."""

from __future__ import annotations

import copy
import importlib.util
from collections import Counter
from typing import Any

import kubernetes_validate
import pytest
import yaml

from athsys.jobs import Queue
from tests.support.deploy import OTHER_READERS, ROOT, unknown_variables

pytestmark = pytest.mark.unit

MANIFESTS = ROOT / "k8s-manifests.yaml"
KUBERNETES_VERSION = "1.30"
NAMESPACE = "athsys"
WORKLOADS = {"Deployment", "StatefulSet", "Job"}
# downward-API values the manifests use for pod-unique paths and worker names, not settings
POD_FIELDS = {"POD_NAME"}


def _load_build() -> Any:
    spec = importlib.util.spec_from_file_location("k8s_build", ROOT / "ops" / "k8s" / "build.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def documents() -> list[dict]:
    return [doc for doc in yaml.safe_load_all(MANIFESTS.read_text()) if doc]


@pytest.fixture(scope="module")
def by_kind(documents: list[dict]) -> dict[tuple[str, str], dict]:
    return {(doc["kind"], doc["metadata"]["name"]): doc for doc in documents}


def _pod_spec(doc: dict) -> dict:
    if doc["kind"] == "CronJob":
        return doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return doc["spec"]["template"]["spec"]


def _pod_labels(doc: dict) -> dict:
    if doc["kind"] == "CronJob":
        return doc["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"]
    return doc["spec"]["template"]["metadata"]["labels"]


def _pods(documents: list[dict]) -> list[dict]:
    return [doc for doc in documents if doc["kind"] in WORKLOADS | {"CronJob"}]


def _athsys_containers(documents: list[dict]) -> list[dict]:
    return [c for doc in _pods(documents) for c in _pod_spec(doc)["containers"]
            if c["image"].startswith("athsys:")]


def test_the_root_file_is_what_the_split_files_make() -> None:
    assert MANIFESTS.read_text() == _load_build().manifests(), (
        "k8s-manifests.yaml is stale: run `make k8s-manifests`")


def test_the_postgres_init_script_is_the_compose_one(by_kind: dict) -> None:
    script = by_kind[("ConfigMap", "athsys-postgres-init")]["data"]["init-app-role.sh"]
    assert script == (ROOT / "ops" / "postgres" / "init-app-role.sh").read_text()


def test_every_document_follows_the_kubernetes_schemas(documents: list[dict]) -> None:
    assert len(documents) >= 30
    for doc in documents:
        version = kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        assert version == KUBERNETES_VERSION
        assert doc["kind"] == "Namespace" or doc["metadata"]["namespace"] == NAMESPACE


@pytest.mark.parametrize("break_it", [
    lambda d: d["spec"].update(replica=3),
    lambda d: d["spec"].update(replicas="three"),
    lambda d: _pod_spec(d)["containers"][0]["readinessProbe"]["httpGet"].update(port=[8000]),
    lambda d: _pod_spec(d)["containers"][0]["resources"]["limits"].update(cpu={"max": 2}),
], ids=["unknown-field", "replicas", "probe-port", "resources"])
def test_an_edit_that_breaks_the_schema_is_caught(by_kind: dict, break_it) -> None:
    broken = copy.deepcopy(by_kind[("Deployment", "athsys-backend")])
    break_it(broken)
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_the_names_the_seed_commands_use_exist(by_kind: dict) -> None:
    # kubectl apply -f k8s-manifests.yaml; kubectl scale deployment athsys-backend -n athsys;
    # kubectl rollout status deployment/athsys-backend -n athsys; kubectl logs -f deployment/...
    assert ("Namespace", NAMESPACE) in by_kind
    backend = by_kind[("Deployment", "athsys-backend")]
    assert backend["metadata"]["namespace"] == NAMESPACE
    hpa = by_kind[("HorizontalPodAutoscaler", "athsys-backend")]
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                             "name": "athsys-backend"}
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (3, 10)


def test_the_backend_rolls_out_safely_and_spreads(by_kind: dict) -> None:
    backend = by_kind[("Deployment", "athsys-backend")]
    strategy = backend["spec"]["strategy"]
    assert strategy["type"] == "RollingUpdate"
    assert strategy["rollingUpdate"]["maxUnavailable"] == 0
    pod = _pod_spec(backend)
    (container,) = pod["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/live"
    assert {"cpu", "memory"} <= set(container["resources"]["requests"])
    assert {"cpu", "memory"} <= set(container["resources"]["limits"])
    (term,) = pod["affinity"]["podAntiAffinity"][
        "preferredDuringSchedulingIgnoredDuringExecution"]
    assert term["podAffinityTerm"]["labelSelector"]["matchLabels"] == (
        backend["spec"]["selector"]["matchLabels"])


def test_a_worker_per_queue_one_beat_flower_migration_and_backup(
    documents: list[dict], by_kind: dict
) -> None:
    for queue in Queue.ALL:
        worker = by_kind[("Deployment", f"athsys-worker-{queue}")]
        (container,) = _pod_spec(worker)["containers"]
        assert f"--queues={queue}" in container["command"]
    queues = [arg for c in _athsys_containers(documents) for arg in c.get("command", [])
              if arg.startswith("--queues=")]
    assert sorted(queues) == sorted(f"--queues={q}" for q in Queue.ALL)
    beats = [c for c in _athsys_containers(documents) if "beat" in c.get("command", [])]
    assert len(beats) == 1
    beat = by_kind[("Deployment", "athsys-beat")]
    assert beat["spec"]["replicas"] == 1 and beat["spec"]["strategy"] == {"type": "Recreate"}
    assert ("Deployment", "athsys-flower") in by_kind
    migrate = by_kind[("Job", "athsys-migrate")]
    assert "athsys db upgrade && athsys sync-roles" in " ".join(
        _pod_spec(migrate)["containers"][0]["command"])
    backup = by_kind[("CronJob", "athsys-backup")]
    assert len(backup["spec"]["schedule"].split()) == 5
    assert "*" not in backup["spec"]["schedule"].split()[:2]  # once a day
    assert _pod_spec(backup)["containers"][0]["command"] == ["athsys", "backup"]


def test_volumes_are_claimed_with_the_seed_sizes(documents: list[dict], by_kind: dict) -> None:
    sizes = {name: doc["spec"]["resources"]["requests"]["storage"]
             for (kind, name), doc in by_kind.items() if kind == "PersistentVolumeClaim"}
    assert sizes["athsys-postgres-data"] == "20Gi"
    assert sizes["athsys-redis-data"] == "5Gi"
    assert sizes["athsys-logs"] == "10Gi"
    claimed = {v["persistentVolumeClaim"]["claimName"] for doc in _pods(documents)
               for v in _pod_spec(doc).get("volumes", []) if "persistentVolumeClaim" in v}
    assert claimed == set(sizes)
    backup_volumes = _pod_spec(by_kind[("CronJob", "athsys-backup")])["volumes"]
    assert backup_volumes[0]["persistentVolumeClaim"]["claimName"] == "athsys-backups"


def test_selectors_services_and_references_hold_together(
    documents: list[dict], by_kind: dict
) -> None:
    for doc in documents:
        if doc["kind"] in {"Deployment", "StatefulSet"}:
            selector = doc["spec"]["selector"]["matchLabels"]
            assert selector.items() <= _pod_labels(doc).items(), doc["metadata"]["name"]
        if doc["kind"] == "Service":
            assert any(doc["spec"]["selector"].items() <= _pod_labels(pod).items()
                       for pod in _pods(documents)), doc["metadata"]["name"]
    secret = by_kind[("Secret", "athsys-secrets")]
    assert "data" not in secret and "stringData" not in secret, "no value is committed"
    keys = set(secret["metadata"]["annotations"]["athsys.org/required-keys"].split(","))
    example = (ROOT / "ops" / "k8s" / "secrets.env.example").read_text().splitlines()
    assert {line.split("=")[0] for line in example if "=" in line and line[0] != "#"} == keys
    referenced = set()
    for pod in _pods(documents):
        for container in _pod_spec(pod)["containers"]:
            for ref in container.get("envFrom", []):
                assert ("ConfigMap", ref["configMapRef"]["name"]) in by_kind
            for env in container.get("env", []):
                ref = env.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["name"] == "athsys-secrets"
                    referenced.add(ref["key"])
    assert referenced == keys


def test_every_variable_the_containers_get_is_read_by_athsys(
    documents: list[dict], by_kind: dict
) -> None:
    names = set(by_kind[("ConfigMap", "athsys-config")]["data"])
    for container in _athsys_containers(documents):
        for env in container.get("env", []):
            if "fieldRef" in env.get("valueFrom", {}):
                assert env["name"] in POD_FIELDS
            else:
                names.add(env["name"])
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "TRUSTED_PROXIES"} <= names
    assert "FLOWER_BASIC_AUTH" in names and "FLOWER_BASIC_AUTH" in OTHER_READERS
    assert unknown_variables(names) == set()


def test_network_policies_deny_by_default_and_match_pods(
    documents: list[dict], by_kind: dict
) -> None:
    deny = by_kind[("NetworkPolicy", "default-deny-all")]["spec"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    pods = {doc["metadata"]["name"]: _pod_labels(doc) for doc in _pods(documents)}
    for (kind, name), doc in by_kind.items():
        if kind != "NetworkPolicy" or not doc["spec"]["podSelector"]:
            continue
        selected = [pod for pod, labels in pods.items()
                    if doc["spec"]["podSelector"]["matchLabels"].items() <= labels.items()]
        assert selected, f"{name} selects no pod"
    uses_database = {name for name, labels in pods.items()
                     if labels.get("athsys.org/database-client") == "true"}
    assert uses_database == {"athsys-backend", "athsys-migrate", "athsys-backup",
                             "athsys-live-stream",  # is the competition published?
                             *(f"athsys-worker-{queue}" for queue in Queue.ALL)}
    external = [name for name, labels in pods.items() if "athsys.org/external-egress" in labels]
    assert external == ["athsys-worker-notifications"]


def test_names_are_unique(documents: list[dict]) -> None:
    counts = Counter((doc["kind"], doc["metadata"]["name"]) for doc in documents)
    assert [key for key, count in counts.items() if count > 1] == []

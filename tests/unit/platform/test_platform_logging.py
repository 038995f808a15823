import json
import logging
from pathlib import Path

import pytest

from athsys.config import get_config
from athsys.logging import (
    APILogger,
    AuditLogger,
    configure_logging,
    redact_text,
)
from tests.support.request_ids import request_id

pytestmark = pytest.mark.unit

SECRETS = ["hunter2-password", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", "tok-123456"]


@pytest.fixture()
def log_file(tmp_path: Path) -> Path:
    settings = get_config("development", environ={"LOG_DIR": str(tmp_path), "LOG_FORMAT": "json",
                                                 "LOG_LEVEL": "DEBUG"})
    configure_logging(settings, console=False)
    yield tmp_path / "athsys.log"
    configure_logging(get_config("testing"), console=False)


def _lines(path: Path) -> list[dict[str, object]]:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_json_lines_carryrequest_id(log_file: Path) -> None:
    with request_id("req-42"):
        logging.getLogger("athsys.test").info("inside")
    logging.getLogger("athsys.test").info("outside")
    inside, outside = _lines(log_file)[-2:]
    assert inside["request_id"] == "req-42" and inside["message"] == "inside"
    assert outside["request_id"] == "-"
    assert inside["level"] == "INFO" and "timestamp" in inside


def test_secrets_never_reach_the_log(log_file: Path) -> None:
    api = APILogger()
    api.log_request(
        "POST", "/api/auth/login", remote_addr="127.0.0.1",
        headers={"Authorization": f"Bearer {SECRETS[1]}", "Cookie": "session=abc",
                 "Content-Type": "application/json"},
    )
    logging.getLogger("athsys.test").info("login with password=%s token=%s", SECRETS[0], SECRETS[2])
    logging.getLogger("athsys.test").info("body %s", json.dumps({"password": SECRETS[0]}))
    logging.getLogger("athsys.test").info("connect postgresql://u:%s@db/x", SECRETS[0])
    logging.getLogger("athsys.test").info("payload", extra={"user": {"password": SECRETS[0],
                                                                    "name": "ann"}})
    AuditLogger().log_action("admin", "update", "user", 3, {"password": SECRETS[0], "email": "a@b"})
    try:
        raise ValueError(f"bad token={SECRETS[2]}")
    except ValueError:
        logging.getLogger("athsys.test").exception("failed")
    text = log_file.read_text()
    for secret in SECRETS:
        assert secret not in text
    assert "application/json" in text  # harmless headers stay
    assert '"name": "ann"' in text
    assert "a@b" in text


def test_audit_logger(log_file: Path) -> None:
    AuditLogger().log_action("registrar", "create", "entry", 12, {"bib": "101"})
    audit = _lines(log_file)[-1]
    assert audit["audit"] is True and audit["entity_id"] == "12"
    assert audit["changes"] == {"bib": "101"}


def test_text_format_in_development(tmp_path: Path) -> None:
    settings = get_config("development", environ={"LOG_DIR": str(tmp_path)})
    configure_logging(settings, console=False)
    try:
        with request_id("abc"):
            logging.getLogger("athsys.test").warning("plain")
        for handler in logging.getLogger().handlers:
            handler.flush()
        line = (tmp_path / "athsys.log").read_text().strip().splitlines()[-1]
        assert "WARNING" in line and "[abc]" in line and line.endswith("plain")
    finally:
        configure_logging(get_config("testing"), console=False)


@pytest.mark.parametrize(
    ("raw", "hidden"),
    [
        ("Authorization: Basic dXNlcjpwYXNz", "dXNlcjpwYXNz"),
        ('{"password": "p4ss"}', "p4ss"),
        ("api_key=abc123&x=1", "abc123"),
        ("redis://:s3cret@127.0.0.1:6379/0", "s3cret"),
    ],
)
def test_redact_text(raw: str, hidden: str) -> None:
    assert hidden not in redact_text(raw)

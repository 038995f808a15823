import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import delete, func, select, text
from sqlalchemy.engine import Engine
from werkzeug.security import check_password_hash

from athsys.athletes.models import Athlete, Club
from athsys.audit.models import AuditLog
from athsys.competitions.models import Competition
from athsys.config import Settings, replace
from athsys.demo import DEMO_COMPETITION_NAME
from athsys.demo.meet import DEMO_LICENCE_PREFIX
from athsys.errors import ConfigurationError, ValidationError
from webui.cli.demo import DEMO_USERS, demo_password, load_demo
from webui.cli.main import main as athsys

pytestmark = pytest.mark.integration

USERNAMES = [username for username, *_ in DEMO_USERS]


def _existing_demo_users(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.scalars(text("SELECT username FROM ab_user WHERE username = ANY(:names)"),
                                {"names": USERNAMES}))


def _remove_demo(engine: Engine, keep_users: set[str]) -> None:
    """Delete exactly what the demo committed: the shared test database keeps roles and the
    data of other tests (accounts that existed before are kept too)."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM ab_user WHERE username = ANY(:names)"),
                     {"names": sorted(set(USERNAMES) - keep_users)})  # cascades to roles, profiles
        conn.execute(delete(Competition).where(Competition.name == DEMO_COMPETITION_NAME))
        demo_athletes = select(Athlete.id).where(Athlete.licence.like(f"{DEMO_LICENCE_PREFIX}%"))
        club_ids = conn.scalars(select(Athlete.club_id).where(Athlete.id.in_(demo_athletes))).all()
        conn.execute(delete(Athlete).where(Athlete.id.in_(demo_athletes)))
        conn.execute(delete(Club).where(Club.id.in_(club_ids)))
        conn.execute(delete(AuditLog).where(AuditLog.action.like("demo.%")))


@pytest.fixture()
def demo_cleanup(engine: Engine) -> Iterator[None]:
    before = _existing_demo_users(engine)
    assert before == set(), f"another test left demo accounts behind: {sorted(before)}"
    yield
    _remove_demo(engine, before)


@pytest.fixture()
def demo_settings(settings: Settings, demo_cleanup: None) -> Settings:
    return replace(settings, athsys_demo_password="demo-password-1")


def _users(engine: Engine) -> dict[str, tuple[str, list[str]]]:
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT u.username, u.password, r.name FROM ab_user u"
            " JOIN ab_user_role ur ON ur.user_id = u.id JOIN ab_role r ON r.id = ur.role_id"
            " WHERE u.username = ANY(:names)"
        ), {"names": USERNAMES}).all()
    users: dict[str, tuple[str, list[str]]] = {}
    for username, password_hash, role in rows:
        users.setdefault(username, (password_hash, []))[1].append(role)
    return users


def test_demo_creates_one_account_per_role_with_its_links(
    app: Flask, demo_settings: Settings, engine: Engine
) -> None:
    loaded = load_demo(demo_settings, app=app)

    assert loaded.meet.created and loaded.meet.athletes == 100
    assert loaded.created_users == tuple(USERNAMES) and loaded.existing_users == ()
    assert loaded.password == "demo-password-1"
    assert loaded.password_source == "ATHSYS_DEMO_PASSWORD"
    users = _users(engine)
    assert {name: roles for name, (_, roles) in users.items()} == {
        "chief_registrar": ["Chief Registrar"], "registrar": ["Registrar"],
        "starter": ["Starter"], "coach": ["Coach"], "athlete": ["Athlete"],
        "viewer": ["Viewer"],
    }
    assert all(check_password_hash(h, "demo-password-1") for h, _ in users.values())
    with engine.connect() as conn:
        profiles = dict(conn.execute(text(
            "SELECT u.username, (p.club_id, p.athlete_id)::text FROM user_profile p"
            " JOIN ab_user u ON u.id = p.user_id WHERE u.username = ANY(:names)"
        ), {"names": USERNAMES}).all())
        athlete_name = conn.execute(text(
            "SELECT a.first_name, a.last_name FROM athlete a WHERE a.id = :id"
        ), {"id": loaded.meet.featured_athlete_id}).one()
        user_name = conn.execute(text(
            "SELECT first_name, last_name FROM ab_user WHERE username = 'athlete'"
        )).one()
    assert profiles == {
        "coach": f"({loaded.meet.featured_club_id},)",
        "athlete": f"(,{loaded.meet.featured_athlete_id})",
    }
    assert tuple(user_name) == tuple(athlete_name)


def test_a_second_load_leaves_meet_and_accounts_alone(
    app: Flask, demo_settings: Settings, engine: Engine
) -> None:
    load_demo(demo_settings, app=app)
    before = _users(engine)
    with engine.connect() as conn:
        counts = conn.execute(text(
            "SELECT (SELECT count(*) FROM ab_user), (SELECT count(*) FROM athlete),"
            " (SELECT count(*) FROM audit_log), (SELECT count(*) FROM user_profile)"
        )).one()

    again = load_demo(replace(demo_settings, athsys_demo_password="another-password"), app=app)

    assert again.meet.created is False
    assert again.created_users == () and again.existing_users == tuple(USERNAMES)
    assert _users(engine) == before, "passwords and roles are unchanged"
    with engine.connect() as conn:
        assert conn.execute(text(
            "SELECT (SELECT count(*) FROM ab_user), (SELECT count(*) FROM athlete),"
            " (SELECT count(*) FROM audit_log), (SELECT count(*) FROM user_profile)"
        )).one() == counts


def test_demo_refuses_production_and_writes_nothing(settings: Settings, engine: Engine) -> None:
    production = replace(settings, env="production", athsys_demo_password="demo-password-1")
    with pytest.raises(ConfigurationError, match="development only"):
        load_demo(production)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Competition)
                           .where(Competition.name == DEMO_COMPETITION_NAME)) == 0
        assert conn.scalar(text("SELECT count(*) FROM ab_user WHERE username = 'starter'")) == 0


def test_a_generated_password_is_kept_private_in_the_data_dir(
    settings: Settings, tmp_path: Path
) -> None:
    local = replace(settings, athsys_demo_password="", athsys_data_dir=str(tmp_path / "var"))
    password, source = demo_password(local)
    again, _ = demo_password(local)

    assert again == password and len(password) >= 12
    secret = tmp_path / "var" / "demo.secret"
    assert source == str(secret)
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600


def test_a_short_demo_password_is_refused(settings: Settings) -> None:
    with pytest.raises(ValidationError, match="ATHSYS_DEMO_PASSWORD"):
        demo_password(replace(settings, athsys_demo_password="short"))


def test_athsys_demo_command_prints_the_logins(
    settings: Settings, demo_cleanup: None, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in (("ATHSYS_ENV", "testing"), ("DATABASE_URL", settings.database_url),
                        ("REDIS_URL", settings.redis_url),
                        ("ATHSYS_DEMO_PASSWORD", "demo-password-2")):
        monkeypatch.setenv(name, value)
    assert athsys(["demo"]) == 0
    assert athsys(["demo"]) == 0
    first, second = capsys.readouterr().out.split("demo meet ")[1:]
    assert "loaded: 6 clubs, 100 athletes, 8 events, 24 results" in first
    assert ("demo logins created: chief_registrar, registrar, starter, coach, athlete, viewer"
            in first)
    assert "demo password: demo-password-2  (from ATHSYS_DEMO_PASSWORD)" in first
    assert "already loaded" in second
    assert "demo logins (existing, passwords unchanged): chief_registrar" in second


def test_athsys_demo_in_production_is_one_clear_line(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ATHSYS_ENV", "testing")  # restored after `--env` changes it
    monkeypatch.setenv("SECRET_KEY", "k" * 8 + "production-secret-for-this-test-only")
    monkeypatch.setenv("JWT_SECRET_KEY", "j" * 8 + "production-jwt-key-for-this-test-only")

    assert athsys(["demo", "--env", "production"]) == 1

    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["athsys: error: the demo meet and its accounts are for development only;"
                   " `athsys demo` refuses to run in production"]

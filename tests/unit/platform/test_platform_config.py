import pytest

from athsys.config import MAX_CATCH_UP_READS, MIN_SECRET_LENGTH, get_config, redact_url
from athsys.errors import ConfigurationError

pytestmark = pytest.mark.unit

STRONG = "s" * MIN_SECRET_LENGTH + "-strong-and-random"


def test_seed_defaults() -> None:
    s = get_config("development", environ={})
    assert s.ratelimit_default == "1000/hour"
    assert s.ratelimit_login == "5/hour"
    assert s.jwt_access_token_expires == 24 * 3600
    assert s.jwt_refresh_token_expires == 30 * 24 * 3600
    assert s.jwt_algorithm == "HS256"
    assert (s.db_pool_size, s.db_pool_timeout, s.db_pool_recycle) == (20, 30, 300)
    assert (s.cache_ttl_api, s.cache_ttl_schedule, s.cache_ttl_leaderboard,
            s.cache_ttl_permissions) == (300, 3600, 300, 3600)
    assert s.log_format == "text"


def test_environment_chosen_by_athsys_env() -> None:
    assert get_config(environ={"ATHSYS_ENV": "testing"}).env == "testing"
    assert get_config(environ={}).env == "development"
    assert get_config("testing", environ={}).log_file == "test.log"


def test_every_setting_overridable_from_environment() -> None:
    s = get_config("development", environ={"DB_POOL_SIZE": "7", "RATELIMIT_ENABLED": "false",
                                           "LOG_FORMAT": "json", "RATELIMIT_DEFAULT": "10/minute"})
    assert s.db_pool_size == 7
    assert s.ratelimit_enabled is False
    assert s.log_format == "json"
    assert s.ratelimit_default == "10/minute"


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"DB_POOL_SIZE": "many"}, "DB_POOL_SIZE"),
        ({"DB_POOL_SIZE": "-1"}, "DB_POOL_SIZE"),
        ({"RATELIMIT_ENABLED": "maybe"}, "RATELIMIT_ENABLED"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"JWT_ALGORITHM": "none"}, "JWT_ALGORITHM"),
    ],
)
def test_malformed_variable_is_named(environ: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigurationError, match=named):
        get_config("development", environ=environ)


def test_catch_up_max_reads_defaults_to_15000_and_is_read_from_the_environment() -> None:
    assert get_config("development", environ={}).catch_up_max_reads == 15_000
    assert get_config("production", environ={"CATCH_UP_MAX_READS": "0", "SECRET_KEY": STRONG,
                                             "JWT_SECRET_KEY": STRONG + "-jwt"}
                      ).catch_up_max_reads == 0
    assert get_config("development", environ={"CATCH_UP_MAX_READS": str(MAX_CATCH_UP_READS)}
                      ).catch_up_max_reads == MAX_CATCH_UP_READS


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("many", "CATCH_UP_MAX_READS must be a whole number, not 'many'"),
        ("1.5", "CATCH_UP_MAX_READS must be a whole number, not '1.5'"),
        ("", "CATCH_UP_MAX_READS must be a whole number, not ''"),
        ("-1", "CATCH_UP_MAX_READS must not be negative"),
        (str(MAX_CATCH_UP_READS + 1), "CATCH_UP_MAX_READS must be at most 100,000"),
        ("10000000000", "CATCH_UP_MAX_READS must be at most 100,000"),
    ],
)
def test_catch_up_max_reads_refuses_a_bad_value(raw: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        get_config("development", environ={"CATCH_UP_MAX_READS": raw})


def test_unknown_configuration_name() -> None:
    with pytest.raises(ConfigurationError, match="unknown configuration 'staging'"):
        get_config("staging", environ={})
    with pytest.raises(ConfigurationError, match="unknown configuration"):
        get_config(environ={"ATHSYS_ENV": "prod"})


def test_production_starts_with_strong_secrets() -> None:
    s = get_config("production", environ={"SECRET_KEY": STRONG, "JWT_SECRET_KEY": STRONG + "2"})
    assert s.is_production and s.log_format == "json"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"JWT_SECRET_KEY": STRONG}, "SECRET_KEY is missing"),
        ({"SECRET_KEY": STRONG}, "JWT_SECRET_KEY is missing"),
        ({"SECRET_KEY": "short", "JWT_SECRET_KEY": STRONG}, "SECRET_KEY is shorter than"),
        ({"SECRET_KEY": STRONG, "JWT_SECRET_KEY": "changeme"}, "JWT_SECRET_KEY is a known default"),
        ({"SECRET_KEY": "athsys-development-secret-key-not-for-production",
          "JWT_SECRET_KEY": STRONG}, "SECRET_KEY is a known default"),
    ],
)
def test_production_refuses_weak_secrets(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        get_config("production", environ=environ)


def test_redacted_settings_hide_secrets_and_url_passwords() -> None:
    s = get_config("development", environ={
        "DATABASE_URL": "postgresql://athsys:hunter2@db:5432/athsys",
        "SECRET_KEY": "topsecretvalue",
    })
    shown = s.redacted()
    assert "hunter2" not in str(shown)
    assert "topsecretvalue" not in str(shown)
    assert shown["database_url"] == "postgresql+psycopg2://athsys:***@db:5432/athsys"


def test_redact_url_leaves_urls_without_password() -> None:
    assert redact_url("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"
    assert redact_url("redis://:pw@127.0.0.1:6379/0") == "redis://:***@127.0.0.1:6379/0"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u:p@h:5432/d", "postgresql+psycopg2://u:p@h:5432/d"),
        ("postgres://u:p@h/d", "postgresql+psycopg2://u:p@h/d"),
        ("postgresql+psycopg2://u@h/d", "postgresql+psycopg2://u@h/d"),
    ],
)
def test_database_url_uses_the_shipped_driver(given: str, expected: str) -> None:
    assert get_config("development", environ={"DATABASE_URL": given}).database_url == expected


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("sqlite:///athsys.db", "must point at PostgreSQL, not 'sqlite'"),
        ("mysql://u:p@h/d", "must point at PostgreSQL, not 'mysql'"),
        ("postgresql+asyncpg://u@h/d", "driver 'asyncpg' is not installed"),
        ("not a url", "not a valid database URL"),
    ],
)
def test_database_url_must_be_postgresql(given: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message) as exc:
        get_config("development", environ={"DATABASE_URL": given})
    assert "p@" not in str(exc.value)

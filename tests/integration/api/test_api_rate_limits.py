"""Rate limits on a separate app with low limits (the shared app keeps the real ones)."""

import pytest
from prometheus_client import REGISTRY

from athsys.config import replace
from tests.integration.admin.admin_support import csrf_token
from tests.integration.api.helpers import BaseAPITest, TestDataFactory, bearer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def limited_app(api_app, settings):
    from webui.app import create_app

    return create_app(replace(settings, ratelimit_login="3/hour", ratelimit_default="10/minute",
                              ratelimit_enabled=True))


@pytest.fixture()
def limited(limited_app, redis_client):
    return limited_app.test_client()


def _login(client, username, password, address="10.0.0.1"):
    return client.post("/api/auth/login", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def _failures(reason):
    return REGISTRY.get_sample_value("athsys_authentication_failures_total",
                                     {"reason": reason}) or 0.0


class TestLoginLimits(BaseAPITest):
    def test_only_failures_count_per_client_address(self, limited):
        officials = [TestDataFactory.create_user() for _ in range(6)]
        for official in officials[:2]:
            self.assert_error(_login(limited, official["username"], "wrong"), 401)
        for official in officials:  # twenty officials behind one router: all sign in
            self.assert_success(_login(limited, official["username"], official["password"]))
        self.assert_error(_login(limited, officials[3]["username"], "wrong"), 401)
        blocked = _login(limited, officials[4]["username"], "wrong")
        error = self.assert_error(blocked, 429, "rate_limit_exceeded")
        assert "sign-in" in error["message"]
        assert 0 < int(blocked.headers["Retry-After"]) <= 3600
        # another address is not blocked
        self.assert_success(_login(limited, officials[0]["username"], officials[0]["password"],
                                   address="10.0.0.2"))

    def test_failures_count_per_account_across_addresses(self, limited):
        target = TestDataFactory.create_user()
        other = TestDataFactory.create_user()
        for n in range(3):
            self.assert_error(_login(limited, target["username"], "guess", f"10.1.0.{n}"), 401)
        self.assert_error(_login(limited, target["username"], target["password"], "10.1.0.9"), 429)
        # the same account by another name is the same account: still limited
        self.assert_error(_login(limited, target["email"].upper(), "guess", "10.1.0.8"), 429)
        self.assert_error(_login(limited, target["username"].upper(), "guess", "10.1.0.7"), 429)
        self.assert_success(_login(limited, other["username"], other["password"], "10.1.0.9"))

    def test_failures_are_counted_in_metrics(self, limited):
        user = TestDataFactory.create_user()
        before = _failures("invalid_credentials")
        limited_before = _failures("rate_limited")
        for _ in range(4):
            _login(limited, user["username"], "nope", "10.2.0.1")
        assert _failures("invalid_credentials") == before + 3
        assert _failures("rate_limited") == limited_before + 1

    def test_form_login_is_limited_on_failures(self, limited):
        user = TestDataFactory.create_user()
        token = csrf_token(limited, "/login/")
        for _ in range(3):
            response = limited.post("/login/", data={"username": user["username"],
                                                     "password": "wrong", "csrf_token": token},
                                    environ_base={"REMOTE_ADDR": "10.3.0.1"})
            assert response.status_code in (200, 302)
        blocked = limited.post("/login/", data={"username": user["username"], "password": "x",
                                                "csrf_token": token},
                               environ_base={"REMOTE_ADDR": "10.3.0.1"})
        assert blocked.status_code == 429
        assert limited.get("/login/", environ_base={"REMOTE_ADDR": "10.3.0.1"}).status_code == 200


class TestDefaultLimit(BaseAPITest):
    def test_api_default_limit_with_retry_after(self, limited):
        user = TestDataFactory.create_user()
        headers = bearer(TestDataFactory.tokens(user["id"])["access"])
        for _ in range(10):
            ok = limited.get("/api/clubs", headers=headers)
            assert ok.status_code == 200
            assert ok.headers["X-RateLimit-Limit"] == "10"
        blocked = limited.get("/api/clubs", headers=headers)
        self.assert_error(blocked, 429, "rate_limit_exceeded")
        assert 0 < int(blocked.headers["Retry-After"]) <= 60

    def test_probes_and_pages_are_exempt(self, limited):
        for _ in range(12):
            assert limited.get("/live").status_code == 200
            assert limited.get("/login/").status_code == 200

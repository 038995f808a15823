import time
import warnings
from datetime import UTC, datetime, timedelta

import jwt
import jwt.warnings
import pytest

from tests.integration.admin.admin_support import csrf_token
from tests.integration.api.helpers import BaseAPITest, TestDataFactory, bearer

pytestmark = pytest.mark.integration


class TestAuth(BaseAPITest):
    def test_login_success(self, api):
        user = TestDataFactory.create_user(username="testuser", password="testpass123")
        response = api.post("/api/auth/login",
                            json={"username": "testuser", "password": "testpass123"})
        data = self.assert_success(response)
        self.assert_has_field(data, "access_token")
        self.assert_has_field(data, "refresh_token")
        assert data["user"]["id"] == user["id"]
        assert "password" not in data["user"]

    def test_login_with_email(self, api):
        user = TestDataFactory.create_user()
        response = api.post("/api/auth/login",
                            json={"email": user["email"], "password": user["password"]})
        assert self.assert_success(response)["user"]["username"] == user["username"]

    def test_login_invalid_credentials(self, api):
        TestDataFactory.create_user(username="testuser", password="testpass123")
        response = api.post("/api/auth/login",
                            json={"username": "testuser", "password": "wrongpassword"})
        error = self.assert_error(response, 401, "authentication_error")
        assert "password" in error["message"]

    def test_login_inactive_user(self, api):
        user = TestDataFactory.create_user(active=False)
        response = api.post("/api/auth/login",
                            json={"username": user["username"], "password": user["password"]})
        self.assert_error(response, 401)

    def test_login_names_every_bad_field(self, api):
        response = api.post("/api/auth/login", json={"nickname": "x"})
        error = self.assert_error(response, 400, "validation_error")
        assert set(error["details"]) == {"nickname", "password", "username"}

    def test_me_never_shows_the_password_hash(self, api):
        user = TestDataFactory.create_user(role="Coach")
        tokens = TestDataFactory.tokens(user["id"])
        data = self.assert_success(api.get("/api/auth/me", headers=bearer(tokens["access"])))
        assert data["username"] == user["username"]
        assert data["roles"] == ["Coach"]
        assert not any("password" in key for key in data)

    def test_refresh_gives_a_new_access_token(self, api):
        user = TestDataFactory.create_user()
        tokens = TestDataFactory.tokens(user["id"])
        data = self.assert_success(api.post("/api/auth/refresh", headers=bearer(tokens["refresh"])))
        me = api.get("/api/auth/me", headers=bearer(data["access_token"]))
        assert self.assert_success(me)["id"] == user["id"]
        # an access token is not a refresh token, and the other way round
        self.assert_error(api.post("/api/auth/refresh", headers=bearer(tokens["access"])), 401)
        self.assert_error(api.get("/api/auth/me", headers=bearer(tokens["refresh"])), 401)

    def test_logout_revokes_access_and_refresh_tokens(self, api, redis_client):
        user = TestDataFactory.create_user()
        login = self.assert_success(api.post(
            "/api/auth/login", json={"username": user["username"], "password": user["password"]}))
        access, refresh = login["access_token"], login["refresh_token"]
        out = api.post("/api/auth/logout", headers=bearer(access), json={"refresh_token": refresh})
        assert self.assert_success(out)["revoked"] == ["access", "refresh"]
        self.assert_error(api.get("/api/auth/me", headers=bearer(access)), 401)
        self.assert_error(api.post("/api/auth/refresh", headers=bearer(refresh)), 401)
        # the denylist entries expire with the tokens themselves
        ttls = [redis_client.ttl(key) for key in redis_client.keys("athsys:jwt:revoked:*")]
        assert len(ttls) == 2
        assert all(0 < ttl <= 30 * 24 * 3600 + 1 for ttl in ttls)
        assert min(ttls) <= 24 * 3600 + 1

    def test_logout_without_a_token_is_401(self, api):
        self.assert_error(api.post("/api/auth/logout"), 401)

    def test_password_change(self, api):
        user = TestDataFactory.create_user()
        tokens = TestDataFactory.tokens(user["id"])
        wrong = api.post("/api/auth/password", headers=bearer(tokens["access"]),
                         json={"current_password": "not-it", "new_password": "a-new-password"})
        assert "current_password" in self.assert_error(wrong, 400)["details"]
        ok = api.post("/api/auth/password", headers=bearer(tokens["access"]),
                      json={"current_password": user["password"], "new_password": "a-new-password"})
        self.assert_success(ok)
        login = api.post("/api/auth/login",
                         json={"username": user["username"], "password": "a-new-password"})
        self.assert_success(login)


class TestCredentialsChange(BaseAPITest):
    """Tokens and sessions from before a password change, a reset or a sign-out stop working
    (a second apart: a token's issue time is whole seconds)."""

    def test_a_token_from_before_a_password_change_is_refused(self, api):
        user = TestDataFactory.create_user()
        old = TestDataFactory.tokens(user["id"])
        time.sleep(1.1)
        self.assert_success(api.post("/api/auth/password", headers=bearer(old["access"]), json={
            "current_password": user["password"], "new_password": "a-new-password"}))
        self.assert_error(api.get("/api/auth/me", headers=bearer(old["access"])), 401)
        self.assert_error(api.post("/api/auth/refresh", headers=bearer(old["refresh"])), 401)
        fresh = self.assert_success(api.post("/api/auth/login", json={
            "username": user["username"], "password": "a-new-password"}))
        self.assert_success(api.get("/api/auth/me", headers=bearer(fresh["access_token"])))

    def test_a_token_from_before_a_reset_by_an_admin_is_refused(self, api):
        user = TestDataFactory.create_user()
        admin = TestDataFactory.create_user(role="Admin")
        old = TestDataFactory.tokens(user["id"])["access"]
        time.sleep(1.1)
        self.assert_success(api.put(f"/api/users/{user['id']}", json={"password": "reset-by-admin"},
                                    headers=bearer(TestDataFactory.tokens(admin["id"])["access"])))
        self.assert_error(api.get("/api/auth/me", headers=bearer(old)), 401)

    def test_a_session_cookie_copied_before_logout_is_refused(self, api_app, api):
        user = TestDataFactory.create_user()
        browser = api_app.test_client()
        token = csrf_token(browser, "/login/")
        signed_in = browser.post("/login/", data={"username": user["username"],
                                                  "password": user["password"],
                                                  "csrf_token": token})
        assert signed_in.status_code == 302
        copied = browser.get_cookie("session").value
        assert self.assert_success(browser.get("/api/auth/me"))["id"] == user["id"]
        time.sleep(1.1)
        browser.post("/logout/", data={"csrf_token": csrf_token(browser, "/logout/")})
        thief = api_app.test_client()
        thief.set_cookie("session", copied)
        self.assert_error(thief.get("/api/auth/me"), 401)
        assert thief.get("/users/userinfo/").status_code in (302, 401, 403)


    def test_signing_out_takes_the_form_and_its_token(self, api_app, api):
        """A GET of /logout/ (an image on another page) signs nobody out: it shows the
        button; a POST without the page's token is refused; with it, the session ends."""
        user = TestDataFactory.create_user()
        browser = api_app.test_client()
        browser.post("/login/", data={"username": user["username"],
                                      "password": user["password"],
                                      "csrf_token": csrf_token(browser, "/login/")})
        page = browser.get("/logout/")
        assert page.status_code == 200 and 'method="post"' in page.get_data(as_text=True)
        assert browser.post("/logout/").status_code == 400
        assert self.assert_success(browser.get("/api/auth/me"))["id"] == user["id"]
        home = browser.get("/").get_data(as_text=True)
        assert 'class="athsys-logout"' in home and 'href="/logout/"' not in home
        out = browser.post("/logout/", data={"csrf_token": csrf_token(browser, "/logout/")})
        assert out.status_code == 302
        self.assert_error(browser.get("/api/auth/me"), 401)


class TestBadTokens(BaseAPITest):
    """Tampered, expired and unsigned tokens are refused with 401."""

    def _claims(self, user_id: int, **changes):
        now = datetime.now(UTC)
        claims = {"sub": str(user_id), "jti": f"t{time.time_ns()}", "type": "access",
                  "fresh": False, "iat": now, "nbf": now, "exp": now + timedelta(hours=1)}
        claims.update(changes)
        return claims

    def _secret(self):
        return TestDataFactory.app.config["JWT_SECRET_KEY"]

    def test_a_well_signed_token_works(self, api):
        user = TestDataFactory.create_user()
        token = jwt.encode(self._claims(user["id"]), self._secret(), algorithm="HS256")
        self.assert_success(api.get("/api/auth/me", headers=bearer(token)))

    def test_tampered_token(self, api):
        user = TestDataFactory.create_user()
        other = TestDataFactory.create_user(role="Admin")
        token = TestDataFactory.tokens(user["id"])["access"]
        header, payload, signature = token.split(".")
        forged_payload = jwt.encode(self._claims(other["id"]),
                                    "an-attacker-guess-of-32-bytes-or-more",
                                    algorithm="HS256").split(".")[1]
        self.assert_error(api.get("/api/auth/me", headers=bearer(
            f"{header}.{forged_payload}.{signature}")), 401, "authentication_error")
        flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
        self.assert_error(api.get("/api/auth/me", headers=bearer(
            f"{header}.{payload}.{flipped}")), 401)

    def test_expired_token(self, api):
        user = TestDataFactory.create_user()
        past = datetime.now(UTC) - timedelta(days=2)
        token = jwt.encode(self._claims(user["id"], iat=past, nbf=past,
                                        exp=past + timedelta(hours=1)),
                           self._secret(), algorithm="HS256")
        self.assert_error(api.get("/api/auth/me", headers=bearer(token)), 401)

    def test_alg_none_token(self, api):
        user = TestDataFactory.create_user(role="Admin")
        token = jwt.encode(self._claims(user["id"]), None, algorithm="none")
        self.assert_error(api.get("/api/auth/me", headers=bearer(token)), 401)
        self.assert_error(api.get("/api/users", headers=bearer(token)), 401)

    def test_other_algorithm_with_the_same_secret(self, api):
        user = TestDataFactory.create_user()
        with warnings.catch_warnings():  # the 45-byte test secret is short for HS512
            warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
            token = jwt.encode(self._claims(user["id"]), self._secret(), algorithm="HS512")
        self.assert_error(api.get("/api/auth/me", headers=bearer(token)), 401)

    def test_token_of_a_deleted_or_unknown_user(self, api):
        token = jwt.encode(self._claims(987654321), self._secret(), algorithm="HS256")
        self.assert_error(api.get("/api/auth/me", headers=bearer(token)), 401)

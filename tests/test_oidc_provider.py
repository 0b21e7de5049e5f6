"""The test OpenID Connect provider (tests/oidc_provider.py) speaks the code flow the way
Streamlit's Authlib client expects: checked here with urllib, and the id_token with
Authlib's own claim validation (the one ``st.login`` runs)."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.oidc_provider import OIDCProvider

REDIRECT = "http://127.0.0.1:9/oauth2callback"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # hand the 302 back to the caller


_opener = urllib.request.build_opener(_NoRedirect)


def _call(url: str, data: dict | None = None, headers: dict | None = None):
    """(status, headers, body) of a GET, or a form POST when ``data`` is given."""
    body = urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers or {})
    try:
        with _opener.open(request, timeout=10) as resp:
            return resp.status, resp.headers, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read().decode()


@pytest.fixture
def idp():
    with OIDCProvider(redirect_uris=[REDIRECT]) as provider:
        yield provider


def _sign_in(idp, email: str, nonce: str = "n-0S6_WzA2Mj", verifier: str | None = None) -> str:
    """Open /authorize, submit the form as a person would; return the code."""
    meta = json.loads(_call(idp.metadata_url)[2])
    query = {"client_id": idp.client_id, "response_type": "code", "redirect_uri": REDIRECT,
             "scope": "openid email profile", "state": "st4te", "nonce": nonce}
    if verifier:
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        query |= {"code_challenge": challenge.rstrip(b"=").decode(),
                  "code_challenge_method": "S256"}
    status, _, page = _call(meta["authorization_endpoint"] + "?" + urlencode(query))
    assert status == 200 and 'name="email"' in page and "Sign in" in page
    status, headers, _ = _call(meta["authorization_endpoint"], query | {"email": email})
    assert status == 302
    location = urlparse(headers["Location"])
    assert location._replace(query="").geturl() == REDIRECT
    params = parse_qs(location.query)
    assert params["state"] == ["st4te"]
    return params["code"][0]


def _basic(idp) -> dict:
    pair = f"{idp.client_id}:{idp.client_secret}".encode()
    return {"Authorization": "Basic " + base64.b64encode(pair).decode()}


def _verify(idp, id_token: str, nonce: str, access_token: str) -> dict:
    keys = KeySet.import_key_set(json.loads(_call(f"{idp.issuer}/jwks")[2]))
    token = jwt.decode(id_token, keys, algorithms=["RS256"])
    assert token.header["alg"] == "RS256"
    claims = CodeIDToken(token.claims, token.header, {"iss": {"values": [idp.issuer]}},
                         {"nonce": nonce, "client_id": idp.client_id,
                          "access_token": access_token})
    claims.validate()  # iss, aud, exp, iat, nonce: what Authlib checks for st.login
    return dict(claims)


def test_discovery_lists_every_endpoint(idp):
    status, _, body = _call(idp.metadata_url)
    meta = json.loads(body)
    assert status == 200 and meta["issuer"] == idp.issuer
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint",
                 "end_session_endpoint"):
        assert meta[name].startswith(idp.issuer + "/")
    assert "S256" in meta["code_challenge_methods_supported"]


def test_code_flow_with_basic_auth_and_pkce_gives_a_signed_id_token(idp):
    verifier = secrets.token_urlsafe(40)
    code = _sign_in(idp, "Someone@Uni.example", nonce="abc", verifier=verifier)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
            "code_verifier": verifier}
    status, _, body = _call(f"{idp.issuer}/token", form, _basic(idp))
    assert status == 200, body
    token = json.loads(body)
    claims = _verify(idp, token["id_token"], "abc", token["access_token"])
    assert claims["email"] == "someone@uni.example" and claims["email_verified"] is True
    assert claims["aud"] == idp.client_id and claims["name"] == "someone"
    assert ("token_auth", "client_secret_basic") in idp.events
    # The access token opens /userinfo; a made-up one does not.
    status, _, body = _call(f"{idp.issuer}/userinfo",
                            headers={"Authorization": f"Bearer {token['access_token']}"})
    assert status == 200 and json.loads(body)["sub"] == claims["sub"]
    assert _call(f"{idp.issuer}/userinfo", headers={"Authorization": "Bearer nope"})[0] == 401
    # A code is good once.
    assert _call(f"{idp.issuer}/token", form, _basic(idp))[0] == 400


def test_client_secret_post_and_several_users_in_one_run(idp):
    subjects = {}
    for email in ("lead@hub.example", "board@foundation.example", "lead@hub.example"):
        code = _sign_in(idp, email, nonce=email)
        status, _, body = _call(f"{idp.issuer}/token", {
            "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
            "client_id": idp.client_id, "client_secret": idp.client_secret})
        assert status == 200, body
        token = json.loads(body)
        claims = _verify(idp, token["id_token"], email, token["access_token"])
        assert claims["email"] == email
        subjects.setdefault(email, set()).add(claims["sub"])
    assert all(len(s) == 1 for s in subjects.values())  # one subject per address
    assert subjects["lead@hub.example"] != subjects["board@foundation.example"]
    assert ("token_auth", "client_secret_post") in idp.events


def test_refuses_wrong_secret_pkce_verifier_and_redirect_uri(idp):
    code = _sign_in(idp, "a@uni.example", verifier="right-verifier-" + "x" * 40)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    assert _call(f"{idp.issuer}/token", form | {"client_id": idp.client_id,
                                                "client_secret": "wrong"})[0] == 401
    assert _call(f"{idp.issuer}/token", form | {"code_verifier": "wrong-" + "y" * 40},
                 _basic(idp))[0] == 400
    bad = {"client_id": idp.client_id, "response_type": "code",
           "redirect_uri": "http://evil.example/cb", "state": "s"}
    assert _call(f"{idp.issuer}/authorize?" + urlencode(bad))[0] == 400
    assert _call(f"{idp.issuer}/authorize?" + urlencode(bad | {"redirect_uri": REDIRECT,
                                                               "client_id": "other"}))[0] == 400


def test_end_session_returns_to_a_registered_uri_only(idp):
    status, headers, _ = _call(f"{idp.issuer}/logout?" + urlencode(
        {"post_logout_redirect_uri": REDIRECT, "client_id": idp.client_id}))
    assert status == 302 and headers["Location"].startswith(REDIRECT)
    status, _, body = _call(f"{idp.issuer}/logout?" + urlencode(
        {"post_logout_redirect_uri": "http://evil.example/"}))
    assert status == 200 and "Signed out" in body

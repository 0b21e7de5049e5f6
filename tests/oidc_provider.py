"""A tiny OpenID Connect provider on loopback, for tests only.

Authorization-code flow as Streamlit's ``st.login`` (Authlib) uses it: discovery, an
``/authorize`` page where one types an e-mail address (whoever types it *is* that
person: there is no password), ``/token`` (client_secret_basic or client_secret_post,
PKCE S256 when the client sends a challenge) returning an RS256-signed ``id_token``,
``/jwks``, ``/userinfo`` and an ``end_session_endpoint`` (``/logout``). State lives in
memory; every start makes a new signing key. Never use it outside tests.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlparse

from joserfc import jwt
from joserfc.jwk import RSAKey

FORM = """<!doctype html><html><head><meta charset="utf-8"><title>Test sign-in</title></head>
<body><h1>Test identity provider</h1><form method="post" action="/authorize">{hidden}
<label>E-mail <input name="email" type="email" required autofocus></label>
<button type="submit">Sign in</button></form></body></html>"""


class OIDCProvider:
    """``with OIDCProvider(redirect_uris=[...]) as idp:`` serves on ``idp.issuer``."""

    def __init__(self, client_id: str = "lifeline-tests", client_secret: str | None = None,
                 redirect_uris: list[str] | None = None):
        self.client_id = client_id
        self.client_secret = client_secret or secrets.token_urlsafe(24)
        self.redirect_uris = redirect_uris  # None accepts any (set it when the app's port is known)
        self.key = RSAKey.generate_key(2048, {"use": "sig", "alg": "RS256"}, auto_kid=True)
        self.codes: dict[str, dict] = {}  # code → what /authorize was asked, and who signed in
        self.tokens: dict[str, dict] = {}  # access token → id_token claims (for /userinfo)
        self.events: list[tuple[str, str]] = []  # (endpoint, detail), for assertions
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.provider = self
        self.issuer = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.metadata_url = f"{self.issuer}/.well-known/openid-configuration"

    def __enter__(self) -> OIDCProvider:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def metadata(self) -> dict:
        i = self.issuer
        return {"issuer": i, "authorization_endpoint": f"{i}/authorize",
                "token_endpoint": f"{i}/token", "jwks_uri": f"{i}/jwks",
                "userinfo_endpoint": f"{i}/userinfo", "end_session_endpoint": f"{i}/logout",
                "response_types_supported": ["code"], "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "scopes_supported": ["openid", "email", "profile"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic",
                                                          "client_secret_post"],
                "code_challenge_methods_supported": ["S256"],
                "claims_supported": ["sub", "email", "email_verified", "name", "nonce"]}

    def jwks(self) -> dict:
        return {"keys": [self.key.as_dict(private=False)]}

    def _claims(self, email: str, nonce: str | None) -> dict:
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": self.client_id, "iat": now, "exp": now + 600,
                  "sub": hashlib.sha256(email.encode()).hexdigest()[:20], "email": email,
                  "email_verified": True, "name": email.partition("@")[0]}
        return claims | ({"nonce": nonce} if nonce else {})

    def issue(self, grant: dict) -> dict:
        """The token response for a redeemed code."""
        claims = self._claims(grant["email"], grant.get("nonce"))
        id_token = jwt.encode({"alg": "RS256", "kid": self.key.kid}, claims, self.key)
        access_token = secrets.token_urlsafe(24)
        self.tokens[access_token] = claims
        return {"access_token": access_token, "token_type": "Bearer", "expires_in": 600,
                "id_token": id_token, "scope": grant.get("scope", "openid")}

    def client_ok(self, headers, form: dict) -> bool:
        """client_secret_basic (Authorization header) or client_secret_post (form)."""
        auth = headers.get("Authorization", "")
        if auth.startswith("Basic "):
            user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            pair, how = (unquote_plus(user), unquote_plus(password)), "client_secret_basic"
        else:
            pair, how = (form.get("client_id"), form.get("client_secret")), "client_secret_post"
        self.events.append(("token_auth", how))
        return pair == (self.client_id, self.client_secret)


class _Handler(BaseHTTPRequestHandler):
    server_version = "TestOIDC/1"

    def log_message(self, *args) -> None:  # quiet: pytest shows failures, not access logs
        pass

    @property
    def idp(self) -> OIDCProvider:
        return self.server.provider

    def _send(self, status: int, body: dict | str, headers: dict | None = None) -> None:
        data = (json.dumps(body) if isinstance(body, dict) else body).encode()
        kind = "application/json" if isinstance(body, dict) else "text/html; charset=utf-8"
        self.send_response(status)
        for name, value in {"Content-Type": kind, "Cache-Control": "no-store",
                            **(headers or {})}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _redirect(self, uri: str, params: dict) -> None:
        sep = "&" if urlparse(uri).query else "?"
        self._send(302, "", {"Location": uri + sep + urlencode(params)})

    def _form(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        return dict(parse_qsl(self.rfile.read(length).decode()))

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        url = urlparse(self.path)
        query = dict(parse_qsl(url.query))
        idp = self.idp
        if url.path == "/.well-known/openid-configuration":
            return self._send(200, idp.metadata())
        if url.path == "/jwks":
            return self._send(200, idp.jwks())
        if url.path == "/userinfo":
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            claims = idp.tokens.get(token)
            return self._send(200, claims) if claims else self._send(401, {"error": "invalid_token"})
        if url.path == "/authorize":
            problem = self._bad_request(query)
            if problem:
                return self._send(400, {"error": "invalid_request", "error_description": problem})
            idp.events.append(("authorize", query.get("redirect_uri", "")))
            hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                             for k, v in query.items())
            return self._send(200, FORM.format(hidden=hidden))
        if url.path == "/logout":  # RP-initiated logout: back to a registered URI, or a page
            idp.events.append(("logout", query.get("post_logout_redirect_uri", "")))
            back = query.get("post_logout_redirect_uri")
            if back and (idp.redirect_uris is None or back in idp.redirect_uris):
                return self._redirect(back, {"state": query["state"]} if "state" in query else {})
            return self._send(200, "<p>Signed out.</p>")
        self._send(404, {"error": "not_found"})

    def _bad_request(self, query: dict) -> str | None:
        if query.get("client_id") != self.idp.client_id:
            return "unknown client_id"
        if query.get("response_type") != "code":
            return "response_type must be code"
        uris = self.idp.redirect_uris
        if not query.get("redirect_uri") or (uris is not None and query["redirect_uri"] not in uris):
            return "redirect_uri is not registered"
        return None

    def do_POST(self) -> None:  # noqa: N802
        form, idp = self._form(), self.idp
        if self.path == "/authorize":  # the form was submitted: that address signs in
            if self._bad_request(form) or "@" not in form.get("email", ""):
                return self._send(400, {"error": "invalid_request"})
            code = secrets.token_urlsafe(16)
            idp.codes[code] = form | {"email": form["email"].strip().lower()}
            idp.events.append(("signed_in", idp.codes[code]["email"]))
            return self._redirect(form["redirect_uri"], {"code": code} | (
                {"state": form["state"]} if "state" in form else {}))
        if self.path == "/token":
            if not idp.client_ok(self.headers, form):
                return self._send(401, {"error": "invalid_client"})
            grant = idp.codes.pop(form.get("code", ""), None)  # a code is good once
            if (form.get("grant_type") != "authorization_code" or grant is None
                    or grant["redirect_uri"] != form.get("redirect_uri")
                    or not _pkce_ok(grant, form.get("code_verifier"))):
                return self._send(400, {"error": "invalid_grant"})
            idp.events.append(("pkce", grant.get("code_challenge_method", "none")))
            return self._send(200, idp.issue(grant))
        self._send(404, {"error": "not_found"})


def _pkce_ok(grant: dict, verifier: str | None) -> bool:
    challenge = grant.get("code_challenge")
    if not challenge:
        return verifier is None
    if grant.get("code_challenge_method") != "S256" or not verifier:
        return False
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == challenge

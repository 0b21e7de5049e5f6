"""Sign-in in a real browser (issue 7 §2): `streamlit run` with an ``[auth]`` section
pointing at the loopback OpenID Connect provider of tests/oidc_provider.py.

Each person types their address into the provider's form, as they would at a real one,
and the app must show exactly their role's pages; then they sign out. The secrets file
lives in a temporary folder (``--secrets.files``): the working tree stays in local mode.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import warnings
from contextlib import contextmanager
from pathlib import Path

import pytest

from dashboard.access import audit
from tests.oidc_provider import OIDCProvider
from tests.test_browser import CHROMIUM, browser, free_port, page, screenshot, streamlit_server, wait_for_app  # noqa: F401

__all__ = ["browser", "page"]  # the fixtures of tests/test_browser.py, used here too
pytestmark = pytest.mark.browser

ROLES_TOML = """\
[users]
"lead@hub.example" = "hub"
[domains]
"foundation.example" = "funder"
"uni.example" = "researcher"
[access]
signed_in_default = "public"
anonymous = "overview"
"""
ALL_PAGES = {"总览", "晨间简报", "地图", "覆盖", "需求", "伙伴网络", "协作网络", "资金与重复捐赠", "填报",
             "数据", "数据与方法", "困境家庭"}
ANONYMOUS = {"总览"}


@contextmanager
def signin_app(demo_db: Path, folder: Path, roles_toml: str):
    """The loopback provider and `streamlit run` in sign-in mode on a copy of the demo,
    with ``roles_toml`` as the roles file; yields (app URL, provider, db)."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    db = folder / "demo.duckdb"
    shutil.copy(demo_db, db)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with OIDCProvider(redirect_uris=[f"{url}/oauth2callback"]) as idp:
        (folder / "secrets.toml").write_text(
            "[auth]\n"
            f'redirect_uri = "{url}/oauth2callback"\n'
            f'cookie_secret = "{secrets.token_urlsafe(32)}"\n'
            f'client_id = "{idp.client_id}"\n'
            f'client_secret = "{idp.client_secret}"\n'
            f'server_metadata_url = "{idp.metadata_url}"\n', encoding="utf-8")
        (folder / "roles.toml").write_text(roles_toml, encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k != "LIFELINE_AUTH"}  # the secrets decide
        env |= {"LIFELINE_ROLES": str(folder / "roles.toml")}
        with streamlit_server(db, folder, env, ("--secrets.files", str(folder / "secrets.toml")),
                              port):
            yield url, idp, db


@pytest.fixture(scope="module")
def signin(demo_db_path, tmp_path_factory):
    """The provider and `streamlit run` in sign-in mode; yields (app URL, provider, db)."""
    with signin_app(demo_db_path, tmp_path_factory.mktemp("signin"), ROLES_TOML) as app:
        yield app


def open_provider(page, idp) -> None:
    """Press the sidebar's 登录 and wait for the provider's form.

    A press can be lost on a loaded machine (once in CI, the partner's tab stayed on the
    app for 30 s): after 20 s, or a navigation that failed, the page is opened again and
    登录 pressed once more, with a warning that says where the first press left the tab,
    so a fault that repeats still fails the test.
    """
    from playwright.sync_api import Error as PlaywrightError

    provider = re.compile(re.escape(idp.issuer) + "/authorize")
    start = page.url
    for attempt in (1, 2):
        sidebar(page).get_by_role("button", name="登录", exact=True).click()
        try:
            page.wait_for_url(provider, timeout=20_000 * attempt)
            return
        except PlaywrightError as error:  # a timeout, or a navigation that failed
            if attempt == 2:
                raise
            warnings.warn(f"登录 pressed, no provider's form ({error.message.splitlines()[0]}, "
                          f"at {page.url}); pressing again", stacklevel=2)
            page.goto(start)
            wait_for_app(page)


def nav_links(page) -> set[str]:
    """The titles in the sidebar navigation (Streamlit draws none for a single page)."""
    return {text.strip() for text in
            page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()}


def sidebar(page):
    return page.locator('[data-testid="stSidebar"]')


def title(page) -> str:
    return page.locator('[data-testid="stMain"] h1').first.inner_text()


def shot(page, name: str) -> None:
    """A screenshot once the overview's map has drawn (if the page shows it)."""
    if title(page) == "总览":
        page.wait_for_selector('[data-testid="stPlotlyChart"] .js-plotly-plot')
        page.wait_for_timeout(1500)
    screenshot(page, name)


def audited(db, action: str, email: str) -> bool:
    """True when the app's audit log (beside the database) records ``action`` by ``email``."""
    entries = [json.loads(line) for line in audit.log_path(db).read_text().splitlines()]
    return any(e["action"] == action and e["actor"] == email for e in entries)


def assert_anonymous(page) -> None:
    sidebar(page).get_by_role("button", name="登录", exact=True).wait_for(timeout=30_000)
    assert nav_links(page) <= ANONYMOUS  # only the overview (no navigation for one page)
    assert title(page) == "总览"
    assert sidebar(page).get_by_role("button", name="退出登录").count() == 0
    assert sidebar(page).get_by_text("已登录").count() == 0


def assert_refused(page) -> None:
    """A page the role is not offered does not exist for it: Streamlit says so in a
    dialog and runs the default page (the overview) instead."""
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("does not seem to exist").wait_for(timeout=30_000)
    assert title(page) == "总览"
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden", timeout=10_000)


@pytest.mark.parametrize("email, role, pages", [
    ("someone@uni.example", "研究者", {"总览", "数据与方法", "困境家庭"}),
    ("board@foundation.example", "资助方", ALL_PAGES - {"数据"}),
    ("lead@hub.example", "枢纽", ALL_PAGES),
    ("visitor@elsewhere.example", "公众", {"总览"}),  # no rule: signed_in_default
], ids=["researcher", "funder", "hub", "public"])
def test_sign_in_shows_the_roles_pages_then_sign_out(signin, page, email, role, pages):
    url, idp, db = signin
    name = email.partition("@")[2].partition(".")[0]
    page.goto(f"{url}/")
    wait_for_app(page)
    assert_anonymous(page)
    shot(page, f"signin_{name}_0_anonymous")

    # 登录 → the provider's form; type the address as a person would.
    open_provider(page, idp)
    screenshot(page, f"signin_{name}_1_provider")
    page.get_by_label("E-mail").fill(email)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(url) + "/?($|\\?)"), timeout=30_000)
    wait_for_app(page)
    caption = sidebar(page).get_by_text(f"已登录：{email}（{role}）")
    caption.wait_for(timeout=30_000)
    assert nav_links(page) == (pages if len(pages) > 1 else set())  # none for one page
    assert sidebar(page).get_by_role("button", name="退出登录").count() == 1
    assert sidebar(page).get_by_role("button", name="登录", exact=True).count() == 0
    shot(page, f"signin_{name}_2_signed_in")
    # Streamlit used the code flow with PKCE and its client secret; the app audits it.
    assert {("signed_in", email), ("token_auth", "client_secret_basic"),
            ("pkce", "S256")} <= set(idp.events)
    assert audited(db, "sign_in", email)

    # Opening a page by its address shows it only to a role that is offered it; the
    # sign-in survives a full page load (Streamlit's cookie).
    page.goto(f"{url}/needs")
    wait_for_app(page)
    caption.wait_for(timeout=30_000)
    if "需求" in pages:
        assert "未满足需求" in title(page)
    else:
        assert_refused(page)
        shot(page, f"signin_{name}_3_needs_refused")
    if "数据" not in pages:
        page.goto(f"{url}/data")
        wait_for_app(page)
        assert_refused(page)
        assert page.locator('input[type="file"]').count() == 0  # no import form
    assert page.locator('[data-testid="stException"]').count() == 0
    # Each refused page is in the audit log; three page loads were one sign-in.
    mine = [e for e in map(json.loads, audit.log_path(db).read_text().splitlines())
            if e["actor"] == email]
    assert sum(e["action"] == "sign_in" for e in mine) == 1, mine
    expected = {p for p, label in (("needs", "需求"), ("data", "数据")) if label not in pages}
    assert {e["what"] for e in mine if e["action"] == "refused" and e["kind"] == "page"} == expected

    # 退出登录 → the provider's end-session endpoint → back to the anonymous view.
    sidebar(page).get_by_role("button", name="退出登录").click()
    sidebar(page).get_by_role("button", name="登录", exact=True).wait_for(timeout=30_000)
    wait_for_app(page)
    assert_anonymous(page)
    assert idp.events[-1] == ("logout", f"{url}/oauth2callback")
    assert audited(db, "sign_out", email)
    shot(page, f"signin_{name}_4_signed_out")

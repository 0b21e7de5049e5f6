"""The shared frame: sidebar filters kept in the URL, and the view every page reads.

Filters worth sharing (language, as-of date, window, region, map metric) live in
``st.query_params`` so that a link reproduces the view in a morning briefing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import streamlit as st

from dashboard.analytics.metric_table import DEFAULT_WINDOW
from dashboard.app import cache
from dashboard.i18n import DEFAULT_LANGUAGE, LANGUAGES, system_reason, t
from data_loaders import store
from data_loaders.ingest.values import ValueProblem, parse_date

_VIEW_KEY = "_lifeline_view"
WINDOW_CHOICES = (1, 3, 7, 14, 28)


@dataclass(frozen=True)
class View:
    """What every page is showing: language, as-of date and window, and the data key."""

    lang: str
    as_of: date | None
    window: int
    key: tuple[str, ...]  # (database path, data version, role)
    first: date | None
    last: date | None
    region: str | None = None  # a prefecture adcode, or None for the whole province
    category: str | None = None  # a schema category, on the pages that filter by it
    org_type: str | None = None  # a schema org_type, on the pages that filter by it
    actor: str = "local"  # who the audit log names for this session
    page: str = ""  # the page shown (dashboard.pages), named by the audit log's reads
    # The province shown: the configured one, or on a national server (geo.config.NATIONAL)
    # the one the reader chose, else NATIONAL itself (None: the configured one).
    province: str | None = None
    # The store's casework version (cache.db_keys): what keys the queries that read the
    # cases' follow-up, besides ``key``.
    casework: str = ""

    def t(self, key: str, **values) -> str:
        """Translate in this view's language."""
        return t(key, self.lang, **values)

    @property
    def role(self) -> str | None:
        """The dashboard.access role, carried as the key's last element (so every cached
        result is keyed by it)."""
        return cache.role_of(self.key)

    @property
    def scope(self):
        """The as-of date and window as the analyses take them (dashboard.analytics.metrics.Scope)."""
        from dashboard.analytics.metrics import Scope

        return Scope(self.as_of, self.window, self.province)

    @property
    def national(self) -> bool:
        """True when the view is of the whole country: its areas are provinces."""
        return self.scope.national

    @property
    def has_data(self) -> bool:
        """True when the store holds dated data."""
        return self.as_of is not None


def query_param(name: str, default: str | None = None) -> str | None:
    """A query parameter's value, or ``default``."""
    value = st.query_params.get(name)
    return value if value not in (None, "") else default


def set_query_param(name: str, value: object | None) -> None:
    """Keep a filter in the URL (or remove it when empty)."""
    if value in (None, ""):
        if name in st.query_params:
            del st.query_params[name]
    elif st.query_params.get(name) != str(value):
        st.query_params[name] = str(value)


def _initial_date(first: date | None, last: date | None) -> date | None:
    text = query_param("as_of")
    if text and last:
        try:
            chosen = parse_date(text)
            return min(max(chosen, first), last)
        except ValueProblem:
            pass
    return last


def current_language() -> str:
    """The language of this run, before the sidebar is drawn (the router needs it to
    title the pages): the radio's state, else the URL, else Chinese."""
    if "lang" not in st.session_state:
        wanted = query_param("lang", DEFAULT_LANGUAGE)
        st.session_state["lang"] = wanted if wanted in LANGUAGES else DEFAULT_LANGUAGE
    return st.session_state["lang"]


def sidebar(filters: tuple[str, ...] = (), identity=None, page: str = "") -> View:
    """Draw the shared sidebar and return the view; called once per run by the router.

    ``filters`` names the extra filters the current page uses (``category``,
    ``org_type``); only those are drawn, and the others keep their value for later.
    ``identity`` (dashboard.app.auth.Identity) gives the role; without one the session
    is local mode's hub.
    """
    from dashboard.access import LOCAL_ROLE
    from dashboard.app.auth import Identity, sidebar_block

    identity = identity or Identity("local", None, LOCAL_ROLE)
    current_language()
    lang = st.sidebar.radio(
        t("sidebar.language", st.session_state["lang"]), LANGUAGES, key="lang",
        format_func=lambda code: {"zh": "中文", "en": "English"}[code], horizontal=True,
    )
    set_query_param("lang", lang if lang != DEFAULT_LANGUAGE else None)

    try:
        path, version, casework = cache.db_keys()
        key = (path, version, identity.role)  # the role is part of every cache key
    except store.StoreBusy:  # an import from the command line holds the file: say so
        st.info(t("sidebar.busy", lang))
        st.stop()
    except store.StoreUnavailable:  # the database server is down or restarting
        unavailable(lang)
    except store.StoreTooNew:
        st.error(t("sidebar.too_new", lang))
        st.stop()
    refreshed(lang)
    first, last = cache.date_range(key)
    as_of = None
    window_default = query_param("window", str(DEFAULT_WINDOW))
    window = int(window_default) if window_default.isdigit() else DEFAULT_WINDOW
    if window not in WINDOW_CHOICES:
        window = DEFAULT_WINDOW
    if last is None:
        st.sidebar.info(t("sidebar.no_data", lang))
    else:
        if "as_of" not in st.session_state:
            st.session_state["as_of"] = _initial_date(first, last)
        as_of = st.sidebar.date_input(t("sidebar.as_of", lang), key="as_of",
                                      min_value=first, max_value=last, format="YYYY-MM-DD")
        set_query_param("as_of", as_of.isoformat() if as_of != last else None)
        if "window" not in st.session_state:
            st.session_state["window"] = window
        window = st.sidebar.select_slider(t("sidebar.window", lang), WINDOW_CHOICES,
                                          key="window", help=t("sidebar.window_help", lang))
        set_query_param("window", window if window != DEFAULT_WINDOW else None)
        st.sidebar.caption(t("sidebar.data_range", lang, start=first, end=last))
    province = _province_filter(lang)
    region = _region_filter(lang, province)
    chosen = {name: _choice_filter(name, lang) if name in filters else None
              for name in FILTERS}
    sidebar_block(identity, lang)
    view = View(lang, as_of, window, key, first, last, region, **chosen, actor=identity.actor,
                page=page, province=province, casework=casework)
    st.session_state[_VIEW_KEY] = view
    return view


WHOLE_PROVINCE = "all"  # a real value: a None selection shows an untranslated placeholder


def _province_filter(lang: str) -> str:
    """The province shown: the configured one; on a national server the one chosen in
    the sidebar (kept in the URL as ``province``), else the whole country."""
    from geo.config import NATIONAL, is_national, province_adcode
    from geo.regions import load_registry

    if not is_national():
        return province_adcode()
    return _place_filter(lang, "province", load_registry().areas(NATIONAL), NATIONAL,
                         "map.whole_country", f"province_{lang}")


def _region_filter(lang: str, province: str) -> str | None:
    """The region filter in the sidebar, kept in the URL as ``region``: a prefecture of
    ``province``; none for the whole country (its areas are the provinces)."""
    from geo.config import is_national
    from geo.regions import load_registry

    if is_national(province):
        set_query_param("region", None)
        return None
    # Keyed by language (a selectbox keeps its first labels, so a new language needs a new
    # one) and on a national server by province (whose prefectures are the choices).
    key = f"region_{lang}_{province}" if is_national() else f"region_{lang}"
    choice = _place_filter(lang, "region", load_registry().prefectures(province),
                           WHOLE_PROVINCE, "map.all_regions", key)
    return None if choice == WHOLE_PROVINCE else choice


def _place_filter(lang: str, name: str, places: list, whole: str, whole_label: str,
                  key: str) -> str:
    """A sidebar choice among ``places`` (Regions) or ``whole`` (none of them), kept in
    the URL as ``name``; a click on the map (``_<name>_target``) sets it too."""
    from dashboard.i18n import region_label

    names = {r.adcode: region_label(r.name, r.name_en, lang) for r in places}
    codes = [whole, *names]
    if key not in st.session_state:
        wanted = query_param(name)
        st.session_state[key] = wanted if wanted in codes else whole
    if f"_{name}_target" in st.session_state:  # a click on the map chose a place
        st.session_state[key] = st.session_state.pop(f"_{name}_target")
    choice = st.sidebar.selectbox(
        t(f"sidebar.{name}", lang), codes, key=key,
        format_func=lambda c: t(whole_label, lang) if c == whole else names[c])
    set_query_param(name, None if choice == whole else choice)
    return choice


FILTERS = ("category", "org_type")  # schema columns whose allowed values a page may filter by


def _choice_filter(name: str, lang: str) -> str | None:
    """A filter on the allowed values of schema column ``name``, kept in the URL.

    The chosen value lives under a plain session key as well as the widget's: Streamlit
    forgets a widget's state on a page that does not draw it, and the choice should
    survive a visit to such a page.
    """
    from dashboard.i18n import value_label
    from data_loaders.store.schema import choices_of

    codes = [WHOLE_PROVINCE, *choices_of(name)]
    remembered = f"_filter_{name}"
    if remembered not in st.session_state:
        wanted = query_param(name)
        st.session_state[remembered] = wanted if wanted in codes else WHOLE_PROVINCE
    key = f"{name}_{lang}"
    if key not in st.session_state:
        st.session_state[key] = st.session_state[remembered]
    choice = st.sidebar.selectbox(
        t(f"sidebar.{name}", lang), codes, key=key,
        format_func=lambda c: t(f"sidebar.{name}_all", lang) if c == WHOLE_PROVINCE
        else value_label(name, c, lang))
    st.session_state[remembered] = choice
    value = None if choice == WHOLE_PROVINCE else choice
    set_query_param(name, value)
    return value


def choose_region(adcode: str) -> None:
    """Set the region filter from a page (a map click) and rerun."""
    set_region(adcode)
    st.rerun()


def choose_province(adcode: str) -> None:
    """Set the province shown on a national server from a page (a map click) and rerun."""
    st.session_state["_province_target"] = adcode
    st.rerun()


def set_province(adcode: str) -> None:
    """Set the province shown (``geo.config.NATIONAL`` for the whole country) from a
    widget's callback."""
    st.session_state["_province_target"] = adcode


def set_region(adcode: str) -> None:
    """Set the region filter (``WHOLE_PROVINCE`` for none) from a widget's callback: the
    sidebar applies it on the run the widget starts."""
    st.session_state["_region_target"] = adcode


NARROW_PX = 768  # below this width Streamlit hides the sidebar behind an unlabelled »
# Wide content scrolls inside its own box, never the page sideways: Markdown tables and
# code (the Methods page) have no scroller of their own. The phone menu shows only where
# the sidebar is folded away.
PHONE_CSS = f"""<style>
[data-testid="stMarkdownContainer"] table {{ display: block; max-width: 100%; overflow-x: auto; }}
[data-testid="stMarkdownContainer"] pre {{ max-width: 100%; overflow-x: auto; }}
@media (min-width: {NARROW_PX}px) {{ .st-key-lifeline_phone_nav {{ display: none; }} }}
</style>"""


def phone_menu(pages: list, current, lang: str) -> None:
    """A labelled page menu at the top of the page, on narrow screens only.

    On a phone Streamlit folds the sidebar, and with it the page list, behind an
    unlabelled button; this menu names the current page and opens the list of pages in
    the view's language. Wide screens hide it (the sidebar shows the same list).
    """
    with st.container(key="lifeline_phone_nav"):
        with st.popover(t("nav.menu", lang, page=current.title), width="stretch"):
            for page in pages:
                st.page_link(page, width="stretch")
    st.html(PHONE_CSS)


def opener(page) -> Callable[[], None]:
    """The function ``st.Page`` runs for ``page`` (a dashboard.pages.Page): its heading,
    then, when it needs data and the store holds none, the one "no data yet" note, else
    the page's view with the view the sidebar prepared in this run."""

    def open_page() -> None:
        view = st.session_state[_VIEW_KEY]
        st.title(view.t(page.heading))
        if page.needs_data and not view.has_data:
            st.info(view.t("overview.empty"))
            return
        try:
            page.view()(view)
        except store.StoreBusy:  # an import began while the page was reading
            st.info(view.t("sidebar.busy"))
        except store.StoreUnavailable:  # the server went away while the page was reading
            unavailable(view.lang)
        except store.StoreNotWritten as exc:  # a decision or a cost table met a full disk
            st.error(view.t("store.not_written", reason=system_reason(exc.reason, view.lang)))

    return open_page


def unavailable(lang: str) -> None:
    """Say the store cannot be reached and look again every few seconds: the page comes
    back by itself when the server does, without restarting the app."""
    st.warning(t("sidebar.unavailable", lang))

    @st.fragment(run_every=RETRY_SECONDS)
    def retry() -> None:
        try:
            cache.db_key()
        except store.StoreUnavailable:
            return
        st.rerun()

    retry()
    st.stop()


# How often a page that cannot reach the store looks again (seconds).
RETRY_SECONDS = 3


def refreshed(lang: str) -> None:
    """For a shared store, when this server last brought its picture up to date."""
    if not store.is_shared():
        return
    from data_loaders.store import replica

    at = replica.refreshed_at(store.location())
    if at is not None:
        st.sidebar.caption(t("sidebar.refreshed", lang, at=at.strftime("%H:%M:%S")))


def open_page(at, name: str):
    """Point a ``streamlit.testing.v1.AppTest`` at page ``name`` for its next run (the
    tests and the benchmark): ``AppTest.switch_page`` opens only pages that are files, and
    Streamlit names a page that is a function by the hash of its URL path."""
    from streamlit.util import calc_hash

    at._page_hash = calc_hash(name)
    return at

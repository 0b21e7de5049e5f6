"""The whole country in the real browser (issue 16): a server set to 000000 draws every
province, and the sidebar drills from the country to a province, a prefecture and its
counties. Screenshots land in tests/artifacts/ (national_*.png)."""

from __future__ import annotations

import math
import os

import pytest

from tests.test_browser import browser, page, screenshot, streamlit_server, wait_for_app  # noqa: F401
from tests.test_national import AS_OF, FILES

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def national_server(tmp_path_factory):
    from data_loaders import store
    from data_loaders.ingest.importer import import_paths

    folder = tmp_path_factory.mktemp("national")
    for name, text in FILES.items():
        (folder / name).write_text(text, encoding="utf-8")
    db = folder / "national.duckdb"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LIFELINE_PROVINCE", "000000")
        con = store.connect(db)
        assert import_paths(con, [folder]).ok
        con.close()
    with streamlit_server(db, folder, env=dict(os.environ) | {"LIFELINE_PROVINCE": "000000"}) as url:
        yield url


def _world(lon: float, lat: float, zoom: float) -> tuple[float, float]:
    """Web-mercator pixels at ``zoom`` (deck.gl draws the world 512 px wide at zoom 0)."""
    size = 512 * 2**zoom
    y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
    return (lon + 180) / 360 * size, (1 - y / math.pi) / 2 * size


def test_the_map_draws_every_province(national_server, page):  # noqa: F811
    from geo.boundaries import province_features
    from geo.regions import load_registry

    page.goto(f"{national_server}/map?as_of={AS_OF.isoformat()}")
    wait_for_app(page)
    _deck_drawn(page)
    features = province_features()
    missing = [p.name for p in load_registry().areas("000000")
               if p.name not in _hover(page, features, p.adcode)]
    screenshot(page, "national_map")
    assert missing == []
    page.get_by_text("点击省份可下钻到其地市").wait_for()


def test_the_sidebar_drills_from_the_country_to_a_county(national_server, page):  # noqa: F811
    from geo.boundaries import county_features

    page.goto(f"{national_server}/map?as_of={AS_OF.isoformat()}")
    wait_for_app(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.locator('[data-testid="stSelectbox"]').first.click()
    page.keyboard.type("广东")  # the list of 32 is drawn a screenful at a time
    page.get_by_role("option", name="广东省").click()
    page.wait_for_function("() => location.search.includes('province=440000')", timeout=30_000)
    wait_for_app(page)
    page.get_by_role("button", name="← 返回全国").wait_for()
    page.wait_for_timeout(2000)
    screenshot(page, "national_province")
    # The region filter now lists Guangdong's prefectures.
    sidebar.locator('[data-testid="stSelectbox"]').nth(1).click()
    page.keyboard.type("深圳")
    page.get_by_role("option", name="深圳市").click()
    page.wait_for_function("() => location.search.includes('region=440300')", timeout=30_000)
    wait_for_app(page)
    page.get_by_text("深圳市各区县").wait_for()
    # The map now draws Shenzhen's districts: hovering 南山区 names it.
    _deck_drawn(page)
    assert "南山区" in _hover(page, county_features("440300"), "440305")
    screenshot(page, "national_county")


def _deck_drawn(page) -> None:  # noqa: F811
    page.locator('[data-testid="stDeckGlJsonChart"] canvas').first.wait_for()
    page.wait_for_timeout(4000)  # deck.gl draws after the script has finished


def _hover(page, features: dict, adcode: str) -> str:  # noqa: F811
    """The tooltip's text with the mouse on ``adcode``'s name on the deck map of
    ``features`` (tried a few pixels around it: a point may sit on the name)."""
    from dashboard.present.charts import view_for
    from geo.boundaries import label_points

    box = page.locator('[data-testid="stDeckGlJsonChart"] canvas').first.bounding_box()
    center, zoom = view_for(features, width_px=box["width"], height_px=box["height"])
    cx, cy = _world(center["lon"], center["lat"], zoom)
    x, y = _world(*label_points(features)[adcode], zoom)
    target = (box["x"] + box["width"] / 2 + x - cx, box["y"] + box["height"] / 2 + y - cy)
    tooltip = page.locator(".deck-tooltip")
    shown = ""
    for dx, dy in ((0, 0), (6, 0), (-6, 0), (0, 6), (0, -6), (14, 0), (-14, 0), (0, 14)):
        page.mouse.move(target[0] + dx, target[1] + dy)
        page.wait_for_timeout(250)
        if tooltip.count():
            shown = tooltip.first.inner_text()
            if any(
                    f["properties"]["name"] in shown for f in features["features"]
                    if f["properties"]["adcode"] == adcode):
                break
    return shown

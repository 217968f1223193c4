"""Page checks shared by the browser tests: axe-core, screenshots, panels whole, labels inside the map."""
from __future__ import annotations

from selenium.webdriver.common.by import By

from tests.e2e.screen_helpers import wait_for

BLOCKING = ("serious", "critical")
# axe's JS runs in the page: the rects of each wall panel's rows, and of the map's visible labels.
PANEL_ROWS = """
const out = [];
for (const panel of document.querySelectorAll('.screen .panel, .screen .kpi')) {
  const box = (panel.querySelector('.panel-body') || panel).getBoundingClientRect();
  for (const row of panel.querySelectorAll('.rank-row, .ads tr, .kpi-value, .kpi-retail, .kpi-label')) {
    if (row.closest('[hidden]')) continue;
    const r = row.getBoundingClientRect();
    out.push({panel: panel.className, row: row.textContent.slice(0, 40), top: r.top, bottom: r.bottom,
              left: r.left, right: r.right, boxTop: box.top, boxBottom: box.bottom + 0.5,
              boxLeft: box.left, boxRight: box.right + 0.5,
              clipped: row.scrollWidth > row.clientWidth + 1});
  }
}
return out;
"""
MAP_LABELS = """
const box = document.querySelector('.leaflet-container').getBoundingClientRect();
const labels = [...document.querySelectorAll('.leaflet-tooltip')]
  .filter(e => getComputedStyle(e).visibility !== 'hidden')
  .map(e => { const r = e.getBoundingClientRect();
              return {text: e.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom}; });
return {box: {left: box.left, right: box.right, top: box.top, bottom: box.bottom}, labels: labels,
        hidden: document.querySelectorAll('.leaflet-tooltip.bf-collide').length};
"""


def axe_violations(browser, axe_js: str) -> list[dict]:
    """Serious and critical axe-core violations on the current page: ``[{"id", "impact", "nodes"}]``."""
    browser.execute_script(axe_js)
    result = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations), e => done(String(e)));")
    assert isinstance(result, list), result
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5], "html": v["nodes"][0]["html"][:300],
             "why": v["nodes"][0].get("failureSummary", "")[:300]} for v in result if v["impact"] in BLOCKING]


def settle(browser) -> None:
    """Wait until Dash has drawn the page (its loading marks are gone)."""
    wait_for(lambda: browser.execute_script("return document.readyState") == "complete", message="the page load")
    wait_for(lambda: not browser.find_elements(By.CSS_SELECTOR, "[data-dash-is-loading='true'], ._dash-loading"),
             message="Dash to finish drawing")


def set_viewport(browser, width: int, height: int) -> None:
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})


def cut_rows(browser) -> list[dict]:
    """Rows of the wall's panels that are not whole inside their panel (or whose text is cut)."""
    rows = browser.execute_script(PANEL_ROWS)
    assert rows, "no panel rows on the page"
    return [r for r in rows if r["top"] < r["boxTop"] - 0.5 or r["bottom"] > r["boxBottom"]
            or r["left"] < r["boxLeft"] - 0.5 or r["right"] > r["boxRight"] or r["clipped"]]


def map_labels(browser) -> dict:
    browser.switch_to.frame(browser.find_element(By.ID, "driver-map"))
    try:
        return browser.execute_script(MAP_LABELS)
    finally:
        browser.switch_to.default_content()


def label_problems(found: dict) -> list[str]:
    """Labels outside the map, and pairs of labels that overlap."""
    box, labels = found["box"], found["labels"]
    problems = [f"outside: {l['text']}" for l in labels if l["left"] < box["left"] or l["right"] > box["right"]
                or l["top"] < box["top"] or l["bottom"] > box["bottom"]]
    for i, a in enumerate(labels):
        for b in labels[i + 1:]:
            if a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]:
                problems.append(f"overlap: {a['text']} / {b['text']}")
    return problems

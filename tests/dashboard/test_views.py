"""The screen's lists as a person reads them: order, scope, and which ticker rows are new."""
from zoneinfo import ZoneInfo

from dashboard.screen.views import shown_keys, station_items, ticker_items

TZ = ZoneInfo("Asia/Shanghai")


def _texts(component) -> list[str]:
    return [c.children for c in component.children if hasattr(c, "children")]


def test_a_station_screen_keeps_only_its_own_row_with_its_platform_rank():
    items = [{"rank": 1, "station_id": 7, "name": "Big", "amount_cents": 900, "orders": 3},
             {"rank": 2, "station_id": 3, "name": "Mine", "amount_cents": 500, "orders": 2}]
    rows = station_items(items, only=3)
    assert len(rows) == 1 and _texts(rows[0])[:2] == ["2", "Mine"]
    assert [_texts(r)[1] for r in station_items(items)] == ["Big", "Mine"]


def test_ticker_marks_only_sales_it_did_not_show_before():
    sales = {"items": [{"id": "b", "kind": "wholesale", "created_at": "2026-11-28T10:00:00+00:00",
                        "car_plate": "沪A·1", "station_name": "Depot", "total_cents": 1250},
                       {"id": "a", "kind": "retail", "occurred_at": "2026-11-28T09:59:00+00:00",
                        "car_plate": "沪A·2", "total_cents": 700}]}
    first = ticker_items(sales, TZ)
    assert [s.className for s in first] == ["tick", "tick"]  # a fresh wall does not animate its backlog
    assert first[0].children == "18:00 · 补货 · 沪A·1 · Depot · ¥12.50"
    as_sent_back = [s.to_plotly_json() for s in first[1:]]  # the browser knows only "a"
    again = ticker_items(sales, TZ, shown=shown_keys([{"props": c["props"]} for c in as_sent_back]))
    assert [s.className for s in again] == ["tick new", "tick"]


def test_only_a_kiosk_turns_its_period_by_itself():
    from dashboard.screen import ids
    from dashboard.screen.layout import screen_layout

    def rotation(token, seconds):
        layout = screen_layout(token, "Lobby", station=False, refresh_ms=1500, map_src="/m", rotate_seconds=seconds)
        (interval,) = [c for c in layout.children if getattr(c, "id", None) == ids.ROTATE]
        return interval.disabled, interval.interval

    assert rotation("bfk_token", 15) == (False, 15000)
    assert rotation(None, 15)[0] is True  # a signed-in wall has someone to click
    assert rotation("bfk_token", 0)[0] is True  # BUYFREE_SCREEN_ROTATE_SECONDS=0: never

"""The frame around every console page: navigation, who is signed in, sign-out, and the notices."""
from __future__ import annotations

import json

from dash import dcc, html
from sqlalchemy import select

from dashboard import auth
from dashboard.console import ids
from dashboard.delivery import uses_grid
from store import get_store
from store.models import Station

NAV = (("/console", "今日 Today"), ("/console/orders", "订单 Orders"), ("/console/alerts", "预警 Alerts"),
       ("/console/devices", "设备 Devices"), ("/console/ads", "广告 Ads"), ("/console/reports", "报表 Reports"),
       ("/screen", "大屏 Screen"))
ADMIN_ONLY = {"/console/devices", "/console/ads"}


def nav_items(user) -> list[tuple[str, str]]:
    """The pages this user may open, in the navigation's order."""
    return [(href, label) for href, label in NAV if user.is_admin or href not in ADMIN_ONLY]


def _nav_link(href: str, label: str, active: str, badge=None):
    class_name = "c-nav-link c-active" if href == active else "c-nav-link"
    label = [label, badge] if badge is not None else label
    # A page with a bundle of its own (the grid) is opened by a full load, which brings the bundle.
    if uses_grid(href) or uses_grid(active):
        return html.A(label, href=href, className=class_name)
    return dcc.Link(label, href=href, className=class_name)


def frame(user: auth.ConsoleUser, active: str, *children, stream_targets: dict | None = None) -> html.Div:
    """The console's page: menu, badge, ``children``; ``stream_targets``: Dash store ids the page's
    stream events land in (assets/live.js), beside the badge's own use of that stream."""
    badge = alert_badge(user)
    links = [_nav_link(href, label, active, badge if href == "/console/alerts" else None)
             for href, label in nav_items(user)]
    who = f"{user.username} · {'管理员 admin' if user.is_admin else '站长 station manager'}"
    signout = html.Form([dcc.Input(type="hidden", name=auth.CSRF_FIELD, value=auth.csrf_token()),
                         html.Button("退出 Sign out", type="submit", id="console-signout")],
                        action=auth.LOGOUT_PATH, method="post", className="c-signout")
    return html.Div([
        html.Header([html.Span("BuyFree", className="c-brand"), html.Nav(links), html.Span(who, className="c-who"),
                     signout], className="console-head"),
        html.Main(list(children), className="console-main"), *_alert_stream(active, stream_targets or {}),
    ], className="console")


def alert_badge(user: auth.ConsoleUser):
    """The count of the user's unresolved alerts beside "Alerts", coloured by the worst, hidden at zero.
    The list it counts rides along (``data-alerts``): assets/alerts-live.js applies the live stream's
    alert messages to it, so the badge moves without a reload or a poll."""
    from analytics.alerts import table

    store = get_store()
    try:
        with store.sessions() as session:
            listed = table.unresolved(session, store.settings.tz, None if user.is_admin else user.station_id)
    except Exception:  # the menu must render even when the count cannot be read
        return None
    severities = [a["severity"] for a in listed["items"]]
    total = len(severities)
    worst = next((s for s in ("critical", "warning", "info") if s in severities), "info")
    brief = {"watermark": listed["watermark"],
             "items": [{"alert_id": a["alert_id"], "severity": a["severity"]} for a in listed["items"]]}
    return html.Span(str(total), id=ids.ALERTS_BADGE, className=f"c-badge c-sev-{worst}", hidden=not total,
                     title=f"{total} 条未解决预警 open alerts",
                     **{"data-alerts": json.dumps(brief), "data-count": str(total)})


def _alert_stream(active: str, targets: dict) -> list:
    """The session's stream for the badge, on pages that have none of their own (the desk has one)."""
    if active == "/console":
        return []
    return [html.Span(id="console-alert-stream", hidden=True,
                      **{"data-stream-url": "/api/v1/stream", "data-stream-targets": json.dumps(targets)})]


def notice(title: str, text: str, link: tuple[str, str] | None = None) -> html.Div:
    body = [html.H2(title), html.P(text)]
    if link:
        body.append(dcc.Link(link[1], href=link[0]))
    return html.Div(html.Div(body, className="console-notice"), className="console")


def signed_in_or_notice(path: str, admin: bool = False):
    """(user, None) when the page may be shown; (None, a notice) otherwise.

    Flask's guard already redirects browsers; this covers the layout callback
    itself, which anyone can POST to Dash.
    """
    user = auth.console_user()
    if user is None:
        return None, notice("请先登录 Please sign in", "此页面需要登录 This page needs a signed-in user.",
                            (f"{auth.LOGIN_PATH}?next={path}", "登录 Sign in"))
    if admin and not user.is_admin:
        return None, notice("无权访问 Forbidden", "此页面仅限管理员 Admins only.", ("/console", "返回 Back"))
    if not user.is_admin and user.station_id is None:
        return None, notice("无权访问 Forbidden", "此账号没有站点 This account has no station.")
    return user, None


def station_options(user: auth.ConsoleUser, all_label: str | None = "全部站点 All stations") -> tuple[list, int | None]:
    """Dropdown options and value: an admin picks any station (or all); a manager sees only theirs."""
    with get_store().sessions() as session:
        query = select(Station.id, Station.name).order_by(Station.id)
        if not user.is_admin:
            query = query.where(Station.id == user.station_id)
        rows = session.execute(query).all()
    options = [{"label": f"{name} (#{sid})", "value": sid} for sid, name in rows]
    if user.is_admin and all_label:
        return [{"label": all_label, "value": 0}] + options, 0
    return options, user.station_id


def station_picker(component_id: str, user: auth.ConsoleUser, all_label: str | None = "全部站点 All stations"):
    options, value = station_options(user, all_label)
    return dcc.Dropdown(id=component_id, options=options, value=value, clearable=False,
                        disabled=not user.is_admin, className="c-station-picker")


def scope_of(value) -> int | None:
    """The station a callback may read for the picker's value: 0/None is "all" (admins only)."""
    return auth.require_station(None if value in (None, "", 0) else value)

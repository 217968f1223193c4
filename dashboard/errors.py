"""The pages people get for 403, 404 and 500 (and the rest), and the favicon.

In the sign-in page's style and both languages; each offers the way back that
fits who is looking: a signed-in user gets the console's navigation (what
their role may open), everyone else the sign-in page. ``api.errors`` calls
``render`` for page requests; ``/api`` keeps its problem+json.
"""
from __future__ import annotations

from pathlib import Path

from flask import Flask, send_file

from config import ERROR_PAGE
from dashboard import login_page

FAVICON = Path(__file__).resolve().parents[1] / "assets" / "favicon.ico"
TITLES = {
    400: ("请求有误", "Bad request", "这个请求无法处理。 The request could not be understood."),
    401: ("需要登录", "Sign in first", "请先登录。 Please sign in first."),
    403: ("无权访问", "Forbidden", "您的账号无权打开此页面。 Your account may not open this page."),
    404: ("页面不存在", "Page not found", "没有这个页面，链接可能已过期。 There is no such page; the link may be out of date."),
    405: ("方法不允许", "Method not allowed", "此页面不接受这种请求。 This page does not take that request."),
    429: ("请稍后再试", "Too many requests", "请求太频繁，请稍后再试。 Too many requests; wait a moment."),
    500: ("出错了", "Something went wrong", "服务器出错，已记录，请稍后重试。 The server failed; it was logged. Try again shortly."),
    503: ("暂不可用", "Unavailable", "服务暂时不可用，请稍后重试。 The service is unavailable; try again shortly."),
}


def ways_back(user) -> list[tuple[str, str, bool]]:
    """Links for the error page: the console's navigation for a signed-in user, else sign-in."""
    if user is None:
        return [("/login", "登录 Sign in", False)]
    from dashboard.console.shell import nav_items

    return [(href, label, index > 0) for index, (href, label) in enumerate(nav_items(user))] + \
        [("/logout", "退出 Sign out", True)]


def render(status: int, detail: str | None = None):
    from dashboard.auth import console_user

    zh, en, default = TITLES.get(status, TITLES[500] if status >= 500 else TITLES[400])
    try:
        user = console_user()
    except Exception:  # the 500 page must not fail on the database that made it a 500
        user = None
    return login_page.error(status, f"{zh} {en}", detail or default, ways_back(user))


def favicon():
    return send_file(FAVICON, mimetype="image/x-icon", max_age=3600)


def init_app(server: Flask) -> None:
    server.extensions[ERROR_PAGE] = render
    server.add_url_rule("/favicon.ico", "favicon", favicon)

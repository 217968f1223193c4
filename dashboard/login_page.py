"""The server-rendered sign-in and sign-out pages (no JavaScript needed to sign in)."""
from __future__ import annotations

from flask import render_template_string

_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>BuyFree · {{ title }}</title>
<link rel="icon" href="/favicon.ico">
<style>
  body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: #070d1a;
         font-family: "Noto Sans CJK SC", "Microsoft YaHei", system-ui, sans-serif; color: #e2e8f0; }
  form, .box { background: #0f1a2e; border: 1px solid #1e2d4a; border-radius: 10px; padding: 28px 32px;
               width: 320px; display: grid; gap: 12px; }
  h1 { margin: 0 0 6px; font-size: 22px; color: #38bdf8; }
  label { display: grid; gap: 4px; font-size: 14px; color: #8aa0bf; }
  input { padding: 8px 10px; border-radius: 6px; border: 1px solid #1e2d4a; background: #070d1a;
          color: #e2e8f0; font-size: 16px; }
  button { padding: 9px; border: 0; border-radius: 6px; background: #38bdf8; color: #070d1a;
           font-weight: 700; font-size: 16px; cursor: pointer; }
  .error { color: #fca5a5; font-size: 14px; margin: 0; }
  .box { width: 420px; }
  .code { font-size: 56px; font-weight: 800; color: #fbbf24; line-height: 1; margin: 0; }
  .detail { color: #cbd5e1; font-size: 15px; margin: 0; line-height: 1.5; }
  nav { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 6px; }
  nav a { color: #070d1a; background: #38bdf8; border-radius: 6px; padding: 7px 12px; text-decoration: none;
          font-weight: 700; font-size: 15px; }
  nav a.quiet { background: transparent; color: #7dd3fc; border: 1px solid #1e2d4a; }
</style></head><body>
{% if kind == "login" %}
<form method="post" action="{{ action }}" autocomplete="on">
  <h1>BuyFree 登录 Sign in</h1>
  {% if error %}<p class="error" id="login-error" role="alert">{{ error }}</p>{% endif %}
  <label>用户名 Username <input name="username" id="username" value="{{ username }}" required
         maxlength="64" autocomplete="username" autofocus></label>
  <label>密码 Password <input name="password" id="password" type="password" required maxlength="256"
         autocomplete="current-password"></label>
  <input type="hidden" name="csrf_token" value="{{ csrf }}">
  <button type="submit" id="login-submit">登录 Sign in</button>
</form>
{% elif kind == "logout" %}
<form method="post" action="/logout">
  <h1>退出登录 Sign out</h1>
  <input type="hidden" name="csrf_token" value="{{ csrf }}">
  <button type="submit" id="logout-submit">退出 Sign out</button>
</form>
{% elif kind == "error" %}
<main class="box">
  <p class="code">{{ code }}</p>
  <h1>{{ title }}</h1>
  <p class="detail" role="alert">{{ error }}</p>
  <nav aria-label="返回 Ways back">{% for href, label, quiet in links %}
    <a href="{{ href }}"{% if quiet %} class="quiet"{% endif %}>{{ label }}</a>{% endfor %}
  </nav>
</main>
{% else %}
<main class="box"><h1>{{ title }}</h1><p class="error" role="alert">{{ error }}</p>
<a href="/login" style="color:#38bdf8">返回登录 Back to sign-in</a></main>
{% endif %}
</body></html>"""


def login(action: str, csrf: str, username: str = "", error: str | None = None, status: int = 200):
    return render_template_string(_PAGE, kind="login", title="登录 Sign in", action=action, csrf=csrf,
                                  username=username, error=error), status, _NO_STORE


def logout(csrf: str):
    return render_template_string(_PAGE, kind="logout", title="退出 Sign out", csrf=csrf), 200, _NO_STORE


def error(code: int, title: str, detail: str, links: list[tuple[str, str, bool]]):
    """An error page (403, 404, 500) with the ways back that fit who is looking."""
    return render_template_string(_PAGE, kind="error", code=code, title=title, error=detail, links=links), code, \
        _NO_STORE


def message(title: str, error: str, status: int, headers: dict | None = None):
    return render_template_string(_PAGE, kind="message", title=title, error=error), status, \
        {**_NO_STORE, **(headers or {})}


_NO_STORE = {"Cache-Control": "no-store"}

"""``/console/ads`` (admins): the ads, their running window, plays against expected plays, and
for the chosen ad (``?ad=<id>``) its creatives with thumbnails, plays per creative and an upload.

The upload is ``assets/creative-upload.js``: an ``XMLHttpRequest`` to the API's
``POST /ads/{id}/creatives`` with this session's cookie and form token, whose upload
events drive the progress bar (Dash's ``dcc.Upload`` reads the whole file into the
page and reports no progress). Thumbnails are signed app URLs, like a device's.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from dash import dcc, html
from sqlalchemy import select

from analytics import queries
from analytics.queries.ads import plays_so_far
from dashboard import auth
from dashboard.console import ids, shell
from dashboard.screen.format import count, money
from ingest import creatives as creative_reads
from store import get_store
from store.models import Ad
from store.objects import signing

log = logging.getLogger(__name__)
ACCEPT = "image/png,image/jpeg,image/webp,video/mp4,video/webm"


def layout(ad=None, **_query):
    user, refusal = shell.signed_in_or_notice("/console/ads", admin=True)
    if refusal:
        return refusal
    store = get_store()
    with store.sessions() as session:
        ads = session.scalars(select(Ad).order_by(Ad.starts_at.desc(), Ad.id.desc())).all()
    plays = _plays(store, [a.id for a in ads])
    chosen = next((a for a in ads if str(a.id) == str(ad)), ads[0] if ads else None)
    now = datetime.now(timezone.utc)
    return shell.frame(
        user, "/console/ads",
        html.Div([html.H1("广告 Ads"), html.Span(f"共 {count(len(ads))} 条 ({len(ads)} ads)", className="c-updated")],
                 className="c-page-head"),
        html.Section([html.Table([
            html.Thead(html.Tr([html.Th(h) for h in ("广告 Ad", "广告主 Advertiser", "投放时间 Running window",
                                                      "状态 Status", "播放 Plays / expected", "收入 Revenue")])),
            html.Tbody([_ad_row(a, plays.get(a.id), now, store.settings.tz, a is chosen) for a in ads]
                       or [html.Tr(html.Td("还没有广告 No ads yet.", colSpan=6, className="c-empty"))]),
        ], className="c-table", id=ids.ADS_TABLE)], className="c-panel"),
        _detail(store, chosen, plays.get(chosen.id) if chosen else None) if chosen else None,
    )


def _plays(store, ad_ids) -> dict:
    try:
        return plays_so_far(store, ad_ids)
    except Exception as exc:  # Postgres and Redis both failing: the list still shows the ads
        log.warning("ad plays unavailable: %s", exc)
        return {}


def _status(ad: Ad, plays: int | None, now: datetime) -> tuple[str, str]:
    if plays is not None and plays >= ad.expected_plays:
        return "已完成 Complete", "c-ok"
    if ad.starts_at > now:
        return "未开始 Scheduled", "c-empty"
    if ad.ends_at is not None and ad.ends_at <= now:
        return "已结束 Ended", "c-empty"
    return "投放中 Running", "c-ok"


def window(ad: Ad, tz) -> str:
    start = ad.starts_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    end = ad.ends_at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if ad.ends_at else "不限 open"
    return f"{start} → {end}"


def _progress(plays: int | None, expected: int) -> html.Div:
    done = plays or 0
    share = min(1.0, done / expected) if expected else 0
    return html.Div([html.Div(className="c-bar-fill", style={"width": f"{share * 100:.1f}%"}),
                     html.Span(f"{count(done)} / {count(expected)} ({share:.0%})", className="c-bar-text")],
                    className="c-bar", role="meter", **{"aria-valuenow": done, "aria-valuemax": expected,
                                                         "aria-label": "plays against expected plays"})


def _ad_row(ad: Ad, plays: int | None, now, tz, chosen: bool) -> html.Tr:
    label, css = _status(ad, plays, now)
    return html.Tr([
        html.Td(dcc.Link(ad.title, href=f"/console/ads?ad={ad.id}")),
        html.Td(ad.advertiser), html.Td(window(ad, tz)), html.Td(label, className=css),
        html.Td(_progress(plays, ad.expected_plays)),
        html.Td(money((plays or 0) * ad.price_per_play_cents)),
    ], id=f"ad-row-{ad.id}", className="c-chosen" if chosen else None)


def _detail(store, ad: Ad, plays: int | None) -> html.Section:
    rows = creative_reads.creatives_of(store, [ad.id]).get(ad.id, [])
    by_creative = queries.plays_by_creative(store, ad.id)
    exp = signing.expiry()
    cards = [_card(store, c, by_creative.get(c.id, 0), exp) for c in rows]
    unnamed = by_creative.get(None, 0)
    return html.Section([
        html.H2(f"{ad.title} · 素材 Creatives"),
        html.Div(cards or html.P("还没有素材 No creatives yet: upload one below.", className="c-empty"),
                 className="c-creatives", id=ids.AD_CREATIVES),
        html.P(f"未注明素材的播放 Plays that named no creative: {count(unnamed)}", className="c-empty") if unnamed else None,
        html.Div([
            html.Label(["上传素材 Upload a creative (PNG, JPEG, WebP, MP4, WebM; ≤ "
                        f"{store.settings.creative_max_mb} MB) ",
                        # Dash has no plain <input>: the script puts a file input into this slot.
                        html.Span(id=ids.CREATIVE_FILE_SLOT, **{"data-accept": ACCEPT})]),
            html.Button("上传 Upload", id=ids.CREATIVE_UPLOAD, className="c-btn c-ok", type="button",
                        **{"data-ad": str(ad.id), "data-csrf": auth.csrf_token()}),
            html.Progress(id=ids.CREATIVE_PROGRESS, max="100", value="0", className="c-progress"),
            html.Span(id=ids.CREATIVE_STATUS, className="c-action-status", role="status"),
        ], className="c-upload"),
    ], className="c-panel", id=ids.AD_DETAIL)


def _card(store, creative, plays: int, exp: int) -> html.Div:
    if creative.thumbnail_sha256:
        picture = html.Img(src=signing.app_url(store.settings.secret_key, creative.id, exp, "thumbnail"),
                           alt=f"creative {creative.id}", className="c-thumb")
    else:
        picture = html.Div("▶" if creative.content_type.startswith("video/") else "🖼", className="c-thumb c-icon")
    size = creative.bytes / 1024
    facts = [creative.content_type.split("/")[1].upper(), f"{size:.0f} KB" if size < 1024 else f"{size / 1024:.1f} MB"]
    if creative.width:
        facts.append(f"{creative.width}×{creative.height}")
    if creative.duration_ms:
        facts.append(f"{creative.duration_ms / 1000:.1f} s")
    return html.Div([picture, html.Div(" · ".join(facts), className="c-facts"),
                     html.Div(f"播放 Plays: {count(plays)}", className="c-plays")],
                    className="c-creative", id=f"creative-{creative.id}")

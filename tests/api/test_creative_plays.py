"""Ad plays that name the creative they played: checked against the ad, counted per creative,
and ``GET /ads/stats`` unchanged in shape."""
from datetime import datetime, timezone

from analytics import queries
from tests.api.creatives import device_of, make_ad, upload
from tests.media import image


def post_plays(api, device, plays, key):
    return api.post("/ad-plays", {"plays": plays}, token=device["api_key"], headers={"Idempotency-Key": key})


def test_plays_name_a_creative_of_their_ad_and_count_per_creative(api, client, store):
    device = device_of(api)
    ad, other = make_ad(api), make_ad(api, title="Other")
    png = upload(client, ad["id"], image("PNG")).get_json()
    jpeg = upload(client, ad["id"], image("JPEG")).get_json()
    foreign = upload(client, other["id"], image("WEBP")).get_json()
    now = datetime.now(timezone.utc).isoformat()

    def play(ad_id, creative_id=None):
        body = {"ad_id": ad_id, "played_at": now, "duration_ms": 10_000}
        return body if creative_id is None else {**body, "creative_id": creative_id}

    wrong = post_plays(api, device, [play(ad["id"], png["id"]), play(ad["id"], foreign["id"])], "wrong")
    assert wrong.status_code == 422 and wrong.get_json()["errors"][0]["field"] == "plays[1].creative_id"
    unknown = post_plays(api, device, [play(ad["id"], 999999)], "unknown")
    assert unknown.status_code == 422
    assert post_plays(api, device, [play(ad["id"], "1")], "typed").status_code == 422  # a string is not an id
    batch = [play(ad["id"], png["id"])] * 3 + [play(ad["id"], jpeg["id"]), play(ad["id"])]
    assert post_plays(api, device, batch, "good").status_code == 201
    assert queries.plays_by_creative(store, ad["id"]) == {png["id"]: 3, jpeg["id"]: 1, None: 1}
    # a retry with another creative is another body: 422, not a replay
    changed = [play(ad["id"], jpeg["id"])] * 3 + [play(ad["id"], jpeg["id"]), play(ad["id"])]
    assert post_plays(api, device, changed, "good").status_code == 422
    assert post_plays(api, device, batch, "good").headers.get("Idempotent-Replayed") == "true"
    stats = api.get("/ads/stats?period=total").get_json()
    assert stats["items"] == [{"ad_id": ad["id"], "title": ad["title"], "advertiser": ad["advertiser"], "plays": 5,
                               "expected_plays": ad["expected_plays"],
                               "completion_ratio": round(5 / ad["expected_plays"], 4),
                               "revenue_cents": 5 * ad["price_per_play_cents"]}]


def test_plays_without_a_creative_hash_as_before(api):
    """Idempotency keys stored before creatives existed still replay: the body's hash is unchanged."""
    from ingest.ad_plays import AdPlaysRequest, Play
    from ingest.idempotency import request_hash

    when = datetime(2026, 12, 2, 8, 0, tzinfo=timezone.utc)
    request = AdPlaysRequest("k", (Play(3, when, 500),))
    assert request.digest == request_hash([[3, when.isoformat(), 500]])

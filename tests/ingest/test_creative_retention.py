"""Retention: the creatives of long-ended ads leave the store (both backends), bytes still used stay."""
import hashlib
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from commands.jobrunner import run_job
from commands.scheduler import job_table
from ingest.creatives import GRACE
from store.models import Creative
from tests.api.creatives import make_ad, upload
from tests.media import image
from tests.objects import stored_names


pytestmark = pytest.mark.usefixtures("objects")  # every test on both backends (tests/objects.py)


def test_ended_ads_lose_their_creatives_once_no_ad_uses_the_bytes(api, client, store, objects):
    now = datetime.now(timezone.utc)
    old = make_ad(api, title="Old", starts=now - timedelta(days=600), ends=now - timedelta(days=500))
    recent = make_ad(api, title="Recently ended", starts=now - timedelta(days=20), ends=now - timedelta(days=10))
    running = make_ad(api, title="Running")
    only_old, shared, kept = image("PNG", color=(1, 1, 1)), image("PNG", color=(2, 2, 2)), image("PNG", color=(3, 3, 3))
    for ad, data in ((old, only_old), (old, shared), (running, shared), (recent, kept)):
        assert upload(client, ad["id"], data).status_code == 201
    before = stored_names(objects)
    job = next(j for j in job_table() if j.id == "creative_retention")

    fresh = run_job(store, job, now=now)  # just uploaded: inside the grace period, no file goes yet
    assert fresh.outcome == "ok" and fresh.detail["creatives"] == 2 and fresh.detail["objects"] == 0
    assert stored_names(objects) == before

    later = run_job(store, job, now=now + GRACE + timedelta(minutes=1))
    assert later.outcome == "ok" and later.detail["objects"] == 2  # the old-only file and its thumbnail
    names = stored_names(objects)
    assert hashlib.sha256(only_old).hexdigest() not in names
    assert {hashlib.sha256(shared).hexdigest(), hashlib.sha256(kept).hexdigest()} <= names
    with store.sessions() as session:
        ads = set(session.scalars(select(Creative.ad_id)))
    assert ads == {running["id"], recent["id"]}
    # and a running ad's file still plays
    again = run_job(store, job, now=now + GRACE + timedelta(minutes=2))
    assert again.detail["objects"] == 0 and stored_names(objects) == names

"""The demo's seed: every ad gets creatives drawn on the spot, stored like an upload, in the playlist."""
from sqlalchemy import select

from analytics import queries
from commands.demo import seed
from commands.demo_data import ADS
from store.models import Ad, Creative, User


def test_demo_ads_get_generated_creatives_that_devices_can_play(store, tmp_path):
    from store.objects.directory import DirectoryStore

    previous, store.objects = store.objects, DirectoryStore(tmp_path / "objects")
    try:
        seed(store, "demo-password-123", days=2, admin_password="admin-password-456")  # the creatives, not the past
        with store.sessions() as session:
            ads = session.scalars(select(Ad).order_by(Ad.id)).all()
            rows = session.scalars(select(Creative).order_by(Creative.id)).all()
        assert len(ads) == len(ADS)
        by_ad = {ad.id: [c for c in rows if c.ad_id == ad.id] for ad in ads}
        assert all(len(found) >= 2 for found in by_ad.values())
        first = by_ad[ads[0].id]
        assert first[0].content_type == "video/mp4" and first[0].duration_ms >= 3000 and first[0].thumbnail_sha256
        assert {c.content_type for c in rows} == {"video/mp4", "image/jpeg", "image/webp"}
        assert all(store.objects.exists(c.sha256) and (c.width, c.height) in ((1280, 720), (640, 360)) for c in rows)
        playlist = queries.playlist(store)
        assert {i["ad_id"] for i in playlist} == {ad.id for ad in ads} and len(playlist) == len(rows)
    finally:
        store.objects = previous


def test_the_admin_and_the_manager_each_have_their_own_password(store, tmp_path):
    from werkzeug.security import check_password_hash

    from store.objects.directory import DirectoryStore

    previous, store.objects = store.objects, DirectoryStore(tmp_path / "objects")
    try:
        seed(store, "manager-pass-1", days=1, admin_password="admin-pass-2")
        with store.sessions() as session:
            users = {u.username: u for u in session.scalars(select(User))}
    finally:
        store.objects = previous
    assert users["admin"].role == "admin" and users["manager"].role == "station_manager"
    assert check_password_hash(users["admin"].password_hash, "admin-pass-2")
    assert not check_password_hash(users["manager"].password_hash, "admin-pass-2")  # the manager's is not the admin's
    assert check_password_hash(users["manager"].password_hash, "manager-pass-1")

"""Settings come from BUYFREE_* variables and a bad one names itself."""
import subprocess
import sys
from pathlib import Path

import pytest

from config import SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_and_env(monkeypatch):
    monkeypatch.setenv("BUYFREE_TIMEZONE", "Europe/Berlin")
    monkeypatch.setenv("BUYFREE_LATE_WINDOW_DAYS", "10")
    settings = load_settings()
    assert settings.timezone == "Europe/Berlin" and settings.late_window_days == 10
    assert str(settings.tz) == "Europe/Berlin"


@pytest.mark.parametrize("name,value", [
    ("BUYFREE_TIMEZONE", "Mars/Olympus"), ("BUYFREE_LATE_WINDOW_DAYS", "soon"),
    ("BUYFREE_DATABASE_URL", "mysql://x"), ("BUYFREE_REDIS_URL", "memcached://x"),
    ("BUYFREE_ADMIN_TOKEN", "short"),
    ("BUYFREE_OBJECT_STORE_URL", "/srv/creatives"), ("BUYFREE_OBJECT_STORE_URL", "s3://"),
    ("BUYFREE_S3_ENDPOINT", "minio:9000"), ("BUYFREE_CREATIVE_MAX_MB", "0"), ("BUYFREE_CREATIVE_MAX_MB", "lots"),
    ("BUYFREE_S3_ACCESS_KEY", "only-half-of-a-pair"),
])
def test_bad_setting_names_the_variable(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert name in str(err.value)


def test_secrets_required_outside_demo(monkeypatch):
    monkeypatch.delenv("BUYFREE_ADMIN_TOKEN", raising=False)
    with pytest.raises(SettingsError, match="BUYFREE_ADMIN_TOKEN"):
        load_settings().require_secrets()


def test_serve_refuses_to_start_with_bad_setting():
    env = {"PATH": "/usr/bin:/bin", "BUYFREE_TIMEZONE": "Nowhere/Land", "BUYFREE_ADMIN_TOKEN": "x" * 20,
           "BUYFREE_SECRET_KEY": "y" * 20}
    done = subprocess.run([sys.executable, "app.py", "serve"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2
    assert "BUYFREE_TIMEZONE" in done.stderr


def test_serve_refuses_without_admin_token():
    env = {"PATH": "/usr/bin:/bin", "BUYFREE_SECRET_KEY": "y" * 20}
    done = subprocess.run([sys.executable, "app.py", "serve"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2 and "BUYFREE_ADMIN_TOKEN" in done.stderr


def test_operations_manual_lists_every_setting():
    from config import Settings

    readme = (ROOT / "docs" / "operations.md").read_text()
    missing = [n for n in Settings.model_fields if f"BUYFREE_{n.upper()}" not in readme]
    assert missing == []


def test_object_store_settings(monkeypatch):
    assert load_settings().object_store_url is None and load_settings().creative_max_bytes == 200 * 1024 * 1024
    for name, value in {"BUYFREE_OBJECT_STORE_URL": "s3://buyfree-creatives/ads", "BUYFREE_S3_ENDPOINT": "http://minio:9000/",
                        "BUYFREE_S3_ACCESS_KEY": "buyfree", "BUYFREE_S3_SECRET_KEY": "secret-secret",
                        "BUYFREE_CREATIVE_MAX_MB": "50"}.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    assert settings.object_store_url == "s3://buyfree-creatives/ads" and settings.s3_endpoint == "http://minio:9000"
    assert settings.creative_max_bytes == 50 * 1024 * 1024


@pytest.mark.parametrize("name,value", [
    ("BUYFREE_ALIPAY_PRIVATE_KEY", "not a key"), ("BUYFREE_ALIPAY_PUBLIC_KEY", "-----BEGIN PUBLIC KEY-----\nAAAA\n"),
    ("BUYFREE_ALIPAY_PUBLIC_KEY", "/nonexistent/alipay.pem"), ("BUYFREE_ALIPAY_GATEWAY", "ftp://alipay"),
    ("BUYFREE_ALIPAY_TIMEOUT_SECONDS", "60"), ("BUYFREE_PAYMENT_EXPIRY_MINUTES", "0"),
    ("BUYFREE_ALIPAY_APP_ID", "app id with spaces"),
])
def test_a_bad_alipay_setting_names_its_variable(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert name in str(err.value)


def test_an_app_id_needs_its_keys_and_notify_url(monkeypatch, tmp_path):
    from simulator.alipay import signing

    monkeypatch.setenv("BUYFREE_ALIPAY_APP_ID", "2021000000000001")
    with pytest.raises(SettingsError, match="BUYFREE_ALIPAY_PRIVATE_KEY is required"):
        load_settings()
    key, other = signing.new_private_key(), signing.new_private_key()
    path = tmp_path / "app.pem"
    path.write_text(signing.private_pem(key))
    monkeypatch.setenv("BUYFREE_ALIPAY_PRIVATE_KEY", str(path))  # a file path
    monkeypatch.setenv("BUYFREE_ALIPAY_PUBLIC_KEY", "".join(signing.public_pem(other).splitlines()[1:-1]))  # bare
    with pytest.raises(SettingsError, match="BUYFREE_ALIPAY_NOTIFY_URL"):
        load_settings()
    monkeypatch.setenv("BUYFREE_ALIPAY_NOTIFY_URL", "https://example.com/api/v1/payments/alipay/notify")
    settings = load_settings()
    assert settings.payments_configured and "BEGIN" in settings.alipay_public_key
    assert "PRIVATE" not in repr(settings)  # the key stays out of reprs and logs


def test_a_bare_key_whose_base64_looks_like_a_long_path_is_read_as_a_key():
    """Bare base64 has '/' in it; a stretch of over 255 characters between two of them made the
    "is it a file?" check raise (File name too long) on about one random key in twenty."""
    from config.keys import pem_text

    with pytest.raises(ValueError, match="not an RSA public key"):  # judged as a key, not as a file
        pem_text("MIIB" + "A" * 300 + "/AQAB", private=False)

"""Settings from ``BUYFREE_*`` variables, typed and checked at start."""
from config.settings import Settings, SettingsError, load_settings

__all__ = ["Settings", "SettingsError", "load_settings", "init_app", "ERROR_PAGE"]

# app.extensions key: the HTML error page renderer the dashboard mounts; api.errors uses it for page requests.
ERROR_PAGE = "buyfree.error_page"


def init_app(app, settings: Settings) -> None:
    """Attach the settings to a Flask app (``app.config["BUYFREE"]``)."""
    app.config["BUYFREE"] = settings
    app.config["SECRET_KEY"] = settings.secret_key
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_SECURE"] = settings.secure_cookies
    app.config["PERMANENT_SESSION_LIFETIME"] = settings.session_hours * 3600

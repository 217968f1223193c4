"""gunicorn's config file for the plain command (the image runs this):

    gunicorn -c gunicorn.conf.py 'app:create_app()'

Every value comes from the ``BUYFREE_WEB_*`` settings (see README), so the
same image scales by environment alone. ``python app.py serve`` applies the
same options through ``commands.gunicorn_conf``.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # the app's packages, whatever the cwd

from commands.gunicorn_conf import options  # noqa: E402
from config import SettingsError  # noqa: E402

try:
    globals().update(options())
except SettingsError as exc:  # a bad BUYFREE_* value: say which, no traceback
    sys.exit(f"error: {exc}")

wsgi_app = "app:create_app()"  # so that `gunicorn -c gunicorn.conf.py` alone serves BuyFree

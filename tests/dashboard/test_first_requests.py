"""A new worker's first requests arrive together: Dash's first-request setup must not answer 500."""
import subprocess
import sys

from tests.deploy.gunicorn_server import ROOT
from tests.helpers import ADMIN_TOKEN, SECRET_KEY

# A fresh process (Dash's setup runs once per process). Two of Dash's steps are made slow, as
# on a busy core, so that the threads' first requests overlap the way they can under gunicorn:
# one thread walks the callbacks while another's pages router is about to add one.
_SCRIPT = """
import sys, threading, time
import dash._validate as validate

walk, check = validate.validate_background_callbacks, validate.check_for_duplicate_pathnames
def slow_walk(callback_map):
    for _ in callback_map.values():
        time.sleep(0.01)
    return walk(callback_map)
def slow_check(registry):
    time.sleep(0.3)
    return check(registry)
validate.validate_background_callbacks, validate.check_for_duplicate_pathnames = slow_walk, slow_check

from app import create_app
from config import load_settings

app = create_app(load_settings(database_url=sys.argv[1], redis_url=sys.argv[2], admin_token=sys.argv[3],
                               secret_key=sys.argv[4]))
start, codes = threading.Barrier(8), []
def first_request():
    client = app.test_client()
    start.wait()
    codes.append(client.get("/healthz").status_code)
threads = [threading.Thread(target=first_request) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
print(sorted(codes))
"""


def test_eight_first_requests_at_once_all_succeed(app, database_url, redis_url):
    run = subprocess.run([sys.executable, "-c", _SCRIPT, database_url, redis_url, ADMIN_TOKEN, SECRET_KEY],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.strip().splitlines()[-1] == str([200] * 8), run.stderr[-3000:]

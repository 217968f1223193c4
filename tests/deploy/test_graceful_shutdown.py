"""SIGTERM to gunicorn while devices send purchases: every purchase that got a 2xx is in
Postgres, and in Redis after the outbox replay; a device retrying the unanswered ones with
the same keys gets each recorded exactly once."""
import signal

import pytest

from tests.deploy.gunicorn_server import GunicornServer
from tests.deploy.load import PurchaseLoad, assert_figures_match_postgres, ids_in_postgres, replay_until_done
from tests.ingest.world import build_world, scalar

BEFORE_STOP = 150


@pytest.mark.parametrize("worker", ["epoll", "gthread"])
def test_sigterm_during_ingest_loses_nothing_accepted(app, api, store, database_url, redis_url, tmp_path, worker):
    world = build_world(api)
    server = GunicornServer(database_url, redis_url, tmp_path / "gunicorn.log",
                            BUYFREE_WEB_GRACEFUL_TIMEOUT=20, BUYFREE_WEB_WORKER=worker).start()
    load = PurchaseLoad(server.base, world.device["api_key"]).start()
    try:
        load.wait_accepted(BEFORE_STOP)
        code = server.stop(signal.SIGTERM)  # graceful: in-flight requests finish, then the workers exit
    finally:
        load.stop()
        server.stop(signal.SIGKILL)
    assert code == 0, server.log_text()[-3000:]

    accepted = load.accepted()
    assert len(accepted) >= BEFORE_STOP and {s.status for s in accepted} == {201}
    ids = [s.purchase_id for s in accepted]
    assert ids_in_postgres(store, ids) == set(ids)
    assert not [s for s in load.sent if s.status is not None and s.status >= 500]
    # Redis was up: every event was applied live, and the workers wrote their outbox marks as they stopped
    assert scalar(store, "SELECT count(*) FROM outbox WHERE applied_at IS NULL") == 0

    # The device retries what got no answer, same keys and bodies, once the server is back:
    # each is recorded now or was already (a replay), never twice.
    server = GunicornServer(database_url, redis_url, tmp_path / "gunicorn-2.log").start()
    try:
        retried = load.retry_unanswered(server.base)
    finally:
        server.stop()
    assert {s.status for s in retried} <= {201}
    answered = {s.key: s.purchase_id for s in accepted + retried}
    assert scalar(store, "SELECT count(*) FROM purchases") == len(answered) == len(set(answered.values()))
    print(f"\n{len(accepted)} accepted before and during the stop, {len(retried)} retried after it")

    replay_until_done(store)
    assert_figures_match_postgres(store)

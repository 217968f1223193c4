"""A Redis Cluster node restarts while devices send purchases to gunicorn: every purchase that
got a 2xx is in Postgres, and after the outbox replay the cluster's figures equal Postgres."""
import pytest

from analytics import keys
from store import Store
from tests.cluster import RedisClusterProcess
from tests.deploy.gunicorn_server import GunicornServer
from tests.deploy.load import PurchaseLoad, assert_figures_match_postgres, ids_in_postgres, replay_until_done
from tests.ingest.world import build_world, scalar

pytestmark = pytest.mark.cluster
STEP = 80  # purchases accepted before the stop, while the node is away, and after it is back


def test_a_node_restart_during_ingest_loses_nothing_accepted(app, api, settings, database_url, tmp_path):
    world = build_world(api)
    with RedisClusterProcess(tmp_path / "cluster", persistent=True) as cluster:
        store = Store.from_settings(settings.model_copy(update={"redis_url": cluster.url}))
        server = GunicornServer(database_url, cluster.url, tmp_path / "gunicorn.log").start()
        load = PurchaseLoad(server.base, world.device["api_key"]).start()
        # The node that holds the platform's figures: every purchase writes there.
        node = cluster.node_of(keys.totals(keys.PLATFORM, "retail", "total"))
        try:
            load.wait_accepted(STEP)
            cluster.stop_node(node)
            load.wait_more(STEP)  # ingest goes on: Postgres and the outbox take it
            cluster.start_node(node)
            load.wait_more(STEP)
        finally:
            load.stop()
            server.stop()
        accepted = load.accepted()
        assert not [s for s in load.sent if s.status is None or s.status >= 500]
        ids = [s.purchase_id for s in accepted]
        assert ids_in_postgres(store, ids) == set(ids)
        pending = scalar(store, "SELECT count(*) FROM outbox WHERE applied_at IS NULL")
        assert pending > 0  # the node was really away: some live applies failed and wait for the replay
        print(f"\n{len(accepted)} accepted, {pending} left for the replay while the node was away")
        replay_until_done(store)
        assert_figures_match_postgres(store)
        store.close()

"""``BUYFREE_REDIS_URL=redis+cluster://...``: redis-py's cluster client against a real 3-node cluster."""
import pytest
import redis
from redis.exceptions import RedisClusterException
from redis.cluster import key_slot

from app import create_app
from store.redis import is_cluster, make_redis
from tests.cluster import RedisClusterProcess
from tests.helpers import Api, closed_port
from tests.ingest.world import build_world, scalar

pytestmark = pytest.mark.cluster


@pytest.fixture
def rc(redis_cluster):
    client = make_redis(redis_cluster.url)
    yield client
    for key in client.scan_iter(match="deploytest:*"):
        client.delete(key)
    client.close()


def _per_node(cluster: RedisClusterProcess, pattern: str) -> list[int]:
    return [len(cluster.cli_run("--scan", "--pattern", pattern, port=port).split()) for port in cluster.ports]


def test_the_cluster_url_spreads_scopes_over_every_node(rc, redis_cluster):
    assert is_cluster(rc)
    for station in range(60):
        rc.hincrby(f"deploytest:{{s:{station}}}:tot", "amount_cents", 100)
    per_node = _per_node(redis_cluster, "deploytest:*")
    assert sum(per_node) == 60 and all(per_node), per_node
    assert int(rc.hget("deploytest:{s:59}:tot", "amount_cents")) == 100


def test_one_reachable_seed_node_is_enough(redis_cluster, rc):
    rc.set("deploytest:{s:1}:x", "1")
    seed = f"redis+cluster://127.0.0.1:{closed_port()},127.0.0.1:{redis_cluster.ports[2]}"
    assert make_redis(seed).get("deploytest:{s:1}:x") == "1"


def test_the_password_in_the_url_reaches_every_node(tmp_path):
    with RedisClusterProcess(tmp_path, password="s3cretpass") as cluster:
        good = make_redis(cluster.url)
        for station in range(30):
            good.set(f"deploytest:{{s:{station}}}", station)
        assert all(_per_node(cluster, "deploytest:*"))
        bare = make_redis(cluster.url.replace(":s3cretpass@", ""))
        with pytest.raises(redis.RedisError):
            bare.get("deploytest:{s:1}")


def test_flushdb_empties_every_primary(redis_cluster, rc):
    """What tests/conftest.py's reset_data relies on when the suite runs on a cluster."""
    for station in range(30):
        rc.set(f"deploytest:{{s:{station}}}", 1)
    rc.flushdb()
    assert _per_node(redis_cluster, "*") == [0, 0, 0]


def test_a_transaction_stays_in_one_scope(rc):
    """MULTI/EXEC on a cluster runs on one node: keys of one scope (one hash tag) only."""
    pipe = rc.pipeline(transaction=True)
    pipe.hincrby("deploytest:{s:1}:tot:day", "units", 2)
    pipe.hincrby("deploytest:{s:1}:tot:week", "units", 2)
    assert pipe.execute() == [2, 2]
    assert key_slot(b"deploytest:{s:1}:a") != key_slot(b"deploytest:{s:2}:a")
    pipe = rc.pipeline(transaction=True)
    pipe.incr("deploytest:{s:1}:a")
    pipe.incr("deploytest:{s:2}:a")
    with pytest.raises(RedisClusterException):
        pipe.execute()  # CrossSlotTransactionError, before anything is sent


def test_a_script_stays_in_one_scope(rc):
    script = "return redis.call('incr', KEYS[1]) + redis.call('incr', KEYS[2])"
    assert rc.eval(script, 2, "deploytest:{s:3}:a", "deploytest:{s:3}:b") == 2
    with pytest.raises(RedisClusterException):  # refused by the client: not a RedisError
        rc.eval(script, 2, "deploytest:{s:3}:a", "deploytest:{s:4}:b")


def test_a_plain_pipeline_may_span_nodes(rc):
    """Without MULTI the cluster pipeline splits the commands per node and keeps their order."""
    pipe = rc.pipeline(transaction=False)
    for station in range(20):
        pipe.incrby(f"deploytest:{{s:{station}}}:n", station)
    assert pipe.execute() == list(range(20))


def test_workers_boot_and_ingest_goes_on_while_the_cluster_is_down(settings, api, store):
    """redis-py's cluster client connects when built: store.redis builds it on first use instead."""
    down = f"redis+cluster://127.0.0.1:{closed_port()},127.0.0.1:{closed_port()}"
    app = create_app(settings.model_copy(update={"redis_url": down}), dashboard=False)
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["redis"] == "down"
    world = build_world(api)  # catalogue through the session's app
    world.api = Api(app.test_client())
    response = world.purchase([{"sku": "COLA-330", "quantity": 1}])
    assert response.status_code == 201, response.get_json()
    assert scalar(store, "SELECT count(*) FROM outbox WHERE kind = 'purchase' AND applied_at IS NULL") == 1


def test_one_slot_scripts_and_bitop_go_through_a_cluster_pipeline(rc):
    """redis-py blocks pipe.evalsha and pipe.bitop on a cluster; store.redis allows them within one slot."""
    sha = rc.script_load("return redis.call('incrby', KEYS[1], ARGV[1])")  # loaded on every primary
    rc.setbit("deploytest:{p}:day:1", 3, 1)
    rc.setbit("deploytest:{p}:day:2", 5, 1)
    pipe = rc.pipeline(transaction=False)
    for station in range(6):
        pipe.evalsha(sha, 1, f"deploytest:{{s:{station}}}:n", 5)
    pipe.bitop("OR", "deploytest:{p}:week", "deploytest:{p}:day:1", "deploytest:{p}:day:2")
    pipe.bitcount("deploytest:{p}:week")
    assert pipe.execute() == [5] * 6 + [1, 2]
    pipe = rc.pipeline(transaction=False)
    pipe.bitop("OR", "deploytest:{p}:week", "deploytest:{s:1}:day:1")
    with pytest.raises(RedisClusterException):
        pipe.execute()

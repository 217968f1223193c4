"""docker-compose.yml, read as Compose reads it (no Docker engine here): the services, their
health checks and start order, the network, the secrets from .env, the cluster profile."""
import re

import pytest

from config import load_settings
from store.redis import cluster_credentials, cluster_nodes
from tests.deploy.compose import (ENV_EXAMPLE, ROOT, MissingVariable, active_services, load, raw,
                                  read_env_file)

CORE = {"postgres", "redis", "minio", "minio-init", "rabbitmq", "migrate", "web", "scheduler", "relay", "proxy"}
NODES = {"redis-node-1": 7001, "redis-node-2": 7002, "redis-node-3": 7003}
SECRET = re.compile(r"PASSWORD|TOKEN|SECRET|AUTH|_KEY$", re.I)


def cluster_env() -> dict:
    """.env.example with its commented-out cluster lines switched on, as README says."""
    env = read_env_file(ENV_EXAMPLE)
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = re.match(r"#\s*(COMPOSE_PROFILES|BUYFREE_REDIS_URL)=(.+)", line)
        if match:
            env[match.group(1)] = match.group(2).strip()
    return env


@pytest.fixture(scope="module")
def doc():
    return load()


def depends(service: dict) -> dict:
    value = service.get("depends_on") or {}
    return {name: {"condition": "service_started"} for name in value} if isinstance(value, list) else value


def test_default_profile_runs_the_core_services_on_one_named_network(doc):
    assert set(active_services(doc)) == CORE
    assert doc["networks"]["buyfree"]["name"] == "buyfree"
    for name, service in doc["services"].items():
        assert service["networks"] == ["buyfree"], name
        assert "network_mode" not in service and "links" not in service, name
        assert "container_name" not in service, name  # names would stop `--scale`


def test_every_server_has_a_health_check_and_a_restart_policy(doc):
    services = doc["services"]
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert "redis-cli ping" in " ".join(services["redis"]["healthcheck"]["test"])
    assert services["web"]["healthcheck"]["test"] == ["CMD", "python", "/app/deploy/healthcheck.py"]
    assert "/healthz" in (ROOT / "deploy/healthcheck.py").read_text()
    assert services["minio"]["healthcheck"]["test"] == ["CMD", "mc", "ready", "local"]
    assert services["rabbitmq"]["healthcheck"]["test"] == ["CMD", "rabbitmq-diagnostics", "-q",
                                                          "check_port_connectivity"]
    for name in ("postgres", "redis", "minio", "rabbitmq", "web", "scheduler", "relay", "proxy", *NODES):
        assert services[name]["restart"] == "unless-stopped", name
    for name in ("migrate", "minio-init", "redis-cluster-create"):
        assert services[name]["restart"] == "no", name  # one-shot steps run once
    for name in ("postgres", "redis", "minio", "rabbitmq", "web", "proxy", *NODES):
        check = services[name]["healthcheck"]
        assert check["interval"] and check["retries"] >= 3, name


def test_start_order_waits_for_health_and_the_migration(doc):
    services = doc["services"]
    assert depends(services["migrate"]) == {"postgres": {"condition": "service_healthy"}}
    assert services["migrate"]["command"] == ["python", "app.py", "migrate"]
    for name in ("web", "scheduler"):
        wanted = depends(services[name])
        assert wanted["postgres"]["condition"] == "service_healthy"
        assert wanted["redis"]["condition"] == "service_healthy"
        assert wanted["migrate"]["condition"] == "service_completed_successfully"
        assert wanted["minio-init"]["condition"] == "service_completed_successfully"  # the bucket exists
        # the cluster's create step when the profile is on; nothing to wait for when it is off
        assert wanted["redis-cluster-create"] == {"condition": "service_completed_successfully", "required": False}
    assert services["scheduler"]["command"] == ["python", "app.py", "scheduler"]
    assert services["scheduler"]["deploy"]["replicas"] == 1


def test_postgres_keeps_its_data_creates_the_app_database_and_runs_in_shanghai_time(doc):
    pg = doc["services"]["postgres"]
    assert "pgdata:/var/lib/postgresql/data" in pg["volumes"] and "pgdata" in doc["volumes"]
    init = [v for v in pg["volumes"] if v.endswith(":/docker-entrypoint-initdb.d:ro")]
    assert init and (ROOT / init[0].split(":")[0]).is_dir()
    assert list((ROOT / "deploy/postgres/initdb").glob("*.sh"))
    assert pg["environment"]["TZ"] == "Asia/Shanghai" and "timezone=Asia/Shanghai" in pg["command"]
    assert {"APP_DB_NAME", "APP_DB_USER", "APP_DB_PASSWORD"} <= set(pg["environment"])
    major = int(re.search(r"postgres:(\d+)", pg["image"]).group(1))
    assert major >= 15


def test_redis_appends_to_a_kept_file(doc):
    redis = doc["services"]["redis"]
    assert redis["command"] == ["sh", "/deploy/redis/start.sh"]
    assert "redisdata:/data" in redis["volumes"]
    conf = (ROOT / "deploy/redis/redis.conf").read_text()
    assert re.search(r"^appendonly yes$", conf, re.M) and re.search(r"^dir \./$", conf, re.M)  # the image's /data
    assert re.search(r"^maxmemory-policy noeviction$", conf, re.M)
    assert re.match(r"redis:7", redis["image"])


def test_secrets_come_only_from_the_env_file():
    text = (ROOT / "docker-compose.yml").read_text()
    example = read_env_file(ENV_EXAMPLE)
    for name, value in example.items():
        if SECRET.search(name):
            assert value not in text, name  # no value pasted into the compose file
    for name, service in raw()["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if SECRET.search(key) or "@" in str(value):
                assert "${" in str(value), (name, key)
    # Without them Compose refuses to start, naming the variable.
    for missing in ("POSTGRES_PASSWORD", "APP_DB_PASSWORD", "REDIS_PASSWORD", "RABBITMQ_PASSWORD", "BUYFREE_ADMIN_TOKEN",
                    "BUYFREE_SECRET_KEY", "MINIO_ROOT_PASSWORD", "MINIO_APP_SECRET_KEY"):
        env = {k: v for k, v in example.items() if k != missing}
        with pytest.raises(MissingVariable, match=missing):
            load(env)


def test_the_env_example_gives_the_app_valid_settings(doc):
    web = doc["services"]["web"]
    env = web["environment"]
    settings = load_settings(**{k[len("BUYFREE_"):].lower(): v for k, v in env.items() if k.startswith("BUYFREE_")})
    settings.require_secrets()
    assert settings.database_url.startswith("postgresql://buyfree:") and "@postgres:5432/buyfree" in settings.database_url
    assert settings.redis_url.endswith("@redis:6379/0")
    assert (settings.web_host, settings.web_port, settings.log_json) == ("0.0.0.0", 8050, True)
    assert "ports" not in web and web["expose"] == ["8050"]  # only the proxy is published
    assert doc["services"]["proxy"]["ports"] == ["8050:8050"]
    assert web["command"] == ["gunicorn", "-c", "/app/gunicorn.conf.py"]
    assert int(web["stop_grace_period"].rstrip("s")) > settings.web_graceful_timeout
    assert doc["services"]["scheduler"]["environment"]["BUYFREE_DATABASE_URL"] == settings.database_url
    # creatives: the bucket the init step makes, with the user it makes, on the MinIO service
    init = doc["services"]["minio-init"]["environment"]
    assert settings.object_store_url == f"s3://{init['MINIO_BUCKET']}" and settings.s3_endpoint == "http://minio:9000"
    assert (settings.s3_access_key, settings.s3_secret_key) == (init["MINIO_APP_ACCESS_KEY"],
                                                                init["MINIO_APP_SECRET_KEY"])
    assert settings.s3_access_key != doc["services"]["minio"]["environment"]["MINIO_ROOT_USER"]  # not the root account
    assert doc["services"]["scheduler"]["environment"]["BUYFREE_OBJECT_STORE_URL"] == settings.object_store_url
    assert settings.amqp_url.endswith("@rabbitmq:5672/") and settings.amqp_exchange == "buyfree.events"


def test_minio_keeps_its_data_and_the_init_step_makes_the_bucket_and_a_bucket_only_user(doc):
    minio, init = doc["services"]["minio"], doc["services"]["minio-init"]
    assert minio["command"][:2] == ["server", "/data"] and "miniodata:/data" in minio["volumes"]
    assert "miniodata" in doc["volumes"] and minio["ports"] == ["9000:9000"]
    assert depends(init) == {"minio": {"condition": "service_healthy"}}
    assert init["entrypoint"] == ["sh", "/deploy/minio/init.sh"]
    script = (ROOT / "deploy/minio/init.sh").read_text()
    assert "mc mb --ignore-existing \"local/$MINIO_BUCKET\"" in script
    assert "arn:aws:s3:::$MINIO_BUCKET/*" in script and "mc admin user add" in script
    assert re.search(r"^set -eu$", script, re.M)


def test_the_relay_publishes_to_the_rabbitmq_service_and_keeps_the_broker_data(doc):
    services = doc["services"]
    relay, broker = services["relay"], services["rabbitmq"]
    assert relay["command"] == ["python", "app.py", "relay"]
    assert depends(relay)["migrate"] == {"condition": "service_completed_successfully"}
    assert "rabbitmq" in depends(relay)  # started, not healthy: events wait in Postgres until it is up
    user, password = broker["environment"]["RABBITMQ_DEFAULT_USER"], broker["environment"]["RABBITMQ_DEFAULT_PASS"]
    assert relay["environment"]["BUYFREE_AMQP_URL"] == f"amqp://{user}:{password}@rabbitmq:5672/"
    assert "rabbitmqdata:/var/lib/rabbitmq" in broker["volumes"] and broker["hostname"] == "rabbitmq"
    assert int(relay["stop_grace_period"].rstrip("s")) >= 10


def test_cluster_profile_has_three_nodes_and_a_create_step():
    doc = load(cluster_env())
    services = doc["services"]
    assert set(active_services(doc, {"cluster"})) == CORE | set(NODES) | {"redis-cluster-create"}
    for name, port in NODES.items():
        node = services[name]
        assert node["profiles"] == ["cluster"]
        args = node["command"]
        assert args[:2] == ["sh", "/deploy/redis/start.sh"]
        opts = dict(zip(args[2::2], args[3::2]))
        assert opts["--port"] == str(port) and opts["--cluster-enabled"] == "yes"
        assert opts["--cluster-announce-hostname"] == name  # clients are sent to names, not container IPs
        assert f"{name}:/data" in node["volumes"] and name in doc["volumes"]
        assert str(port) in " ".join(node["healthcheck"]["test"])
    create = services["redis-cluster-create"]
    assert create["entrypoint"] == ["sh", "/deploy/redis/cluster-create.sh"]
    assert create["environment"]["REDIS_CLUSTER_NODES"].split() == [f"{n}:{p}" for n, p in NODES.items()]
    assert {n: d["condition"] for n, d in depends(create).items()} == {n: "service_healthy" for n in NODES}
    script = (ROOT / "deploy/redis/cluster-create.sh").read_text()
    assert "--cluster create" in script and "--cluster-replicas 0" in script and "--cluster-yes" in script


def test_switching_to_the_cluster_is_two_lines_of_env():
    env = cluster_env()
    assert env["COMPOSE_PROFILES"] == "cluster"
    url = load(env)["services"]["web"]["environment"]["BUYFREE_REDIS_URL"]
    assert load_settings(redis_url=url).redis_url == url
    assert [(n.host, n.port) for n in cluster_nodes(url)] == list(NODES.items())
    assert cluster_credentials(url) == {"password": env["REDIS_PASSWORD"]}


def test_one_origin_behind_a_proxy_that_buffers_the_api_and_not_the_stream(doc):
    """The wall reaches its page, the API and the live stream at one host and port: nginx in front
    of every web replica, buffering requests and replies (a slow client holds no gunicorn thread)
    except on the stream, whose events pass at once and whose connection stays open."""
    proxy = doc["services"]["proxy"]
    assert re.match(r"nginx:1\.\d+", proxy["image"])
    assert depends(proxy) == {"web": {"condition": "service_healthy"}}
    mount = [v for v in proxy["volumes"] if v.endswith(":/etc/nginx/conf.d/default.conf:ro")]
    conf = (ROOT / mount[0].split(":")[0]).read_text()
    conf = re.sub(r"#[^\n]*", "", conf)
    assert re.search(r"upstream buyfree_web \{\s*server web:8050;", conf)
    blocks = dict(re.findall(r"location ([^{]+?)\s*\{([^}]*)\}", conf))
    stream, rest = blocks["= /api/v1/stream"], blocks["/"]
    for block in (stream, rest):
        assert "proxy_pass http://buyfree_web;" in block
    assert "proxy_buffering off;" in stream and "proxy_cache off;" in stream
    hours = re.search(r"proxy_read_timeout (\d+)h;", stream)
    assert hours and int(hours.group(1)) >= 1  # far beyond the stream's 15 s heartbeat
    assert "proxy_buffering on;" in rest and "proxy_request_buffering on;" in rest
    assert "proxy_http_version 1.1;" in conf and 'proxy_set_header Connection "";' in conf
    size = re.search(r"client_max_body_size (\d+)m;", conf)
    assert size and int(size.group(1)) >= 200  # ad creatives (BUYFREE_CREATIVE_MAX_MB)
    assert "X-Forwarded-For" in conf
    # The app trusts the proxy's X-Forwarded-* (a client's own address in the logs and limits).
    assert doc["services"]["web"]["environment"]["BUYFREE_WEB_FORWARDED_ALLOW_IPS"] == "*"

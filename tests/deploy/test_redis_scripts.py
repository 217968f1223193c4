"""deploy/redis: start.sh and cluster-create.sh, run on loopback with the machine's redis-server
as the compose services run them: password from the environment, append-only on, and the
cluster profile's create step forming a cluster the app reaches by host names."""
import socket
import subprocess
import time
from pathlib import Path

import pytest
import redis

from store.redis import make_redis
from tests.cluster import _version, find_binary, free_cluster_ports
from tests.deploy.compose import ROOT

DEPLOY = ROOT / "deploy" / "redis"
PASSWORD = "deploy-test-pass"


@pytest.fixture(scope="module")
def bin_path(tmp_path_factory):
    """A PATH whose redis-server and redis-cli are the newest on the machine (7: announce-hostname)."""
    server, cli = find_binary("redis-server"), find_binary("redis-cli")
    if _version(server) < (7,):
        pytest.skip("redis-server 7 is needed for cluster-announce-hostname")
    bin_dir = tmp_path_factory.mktemp("bin")
    for tool in (server, cli):
        (bin_dir / Path(tool).name).symlink_to(tool)
    return f"{bin_dir}:/usr/bin:/bin"


class Started:
    def __init__(self):
        self.procs: list[subprocess.Popen] = []

    def start(self, bin_path: str, work: Path, port: int, *extra: str) -> subprocess.Popen:
        work.mkdir(parents=True, exist_ok=True)
        env = {"PATH": bin_path, "REDISCLI_AUTH": PASSWORD, "REDIS_CONF": str(DEPLOY / "redis.conf"),
               "REDIS_AUTH_FILE": str(work / "auth.conf")}
        args = ["sh", str(DEPLOY / "start.sh"), "--port", str(port), "--bind", "127.0.0.1", "--dir", str(work),
                "--daemonize", "no", *extra]
        log = open(work / "log", "ab")
        proc = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.procs.append(proc)
        client = redis.Redis(port=port, password=PASSWORD, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                client.ping()
                return proc
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError((work / "log").read_text())

    def stop(self):
        for proc in self.procs:
            proc.terminate()
            proc.wait(30)


@pytest.fixture
def started():
    servers = Started()
    yield servers
    servers.stop()


def test_single_server_needs_the_password_and_appends_to_its_file(bin_path, started, tmp_path):
    port = free_cluster_ports(1)[0]
    proc = started.start(bin_path, tmp_path / "single", port)
    with pytest.raises(redis.AuthenticationError):
        redis.Redis(port=port).ping()
    client = redis.Redis(port=port, password=PASSWORD, decode_responses=True)
    assert client.config_get("appendonly") == {"appendonly": "yes"}
    assert client.config_get("maxmemory-policy") == {"maxmemory-policy": "noeviction"}
    client.set("bf:{p}:x", "1")
    assert list((tmp_path / "single").rglob("*.aof"))
    # The password is in a private file, not on any command line.
    cmdlines = [Path(f"/proc/{pid}/cmdline").read_bytes() for pid in _tree(proc.pid)]
    assert cmdlines and not any(PASSWORD.encode() in c for c in cmdlines)
    assert oct((tmp_path / "single" / "auth.conf").stat().st_mode & 0o777) == "0o600"


def _tree(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    kids = [int(c) for c in children.read_text().split()] if children.exists() else []
    return [pid] + [p for kid in kids for p in _tree(kid)]


def _loopback_name() -> str:
    """A host name for 127.0.0.1 other than ``localhost`` (which redis-py turns back into an address)."""
    name = socket.gethostname()
    try:
        if socket.gethostbyname(name) == "127.0.0.1":
            return name
    except OSError:
        pass
    pytest.skip("this machine's host name does not resolve to 127.0.0.1")


def test_cluster_create_forms_the_cluster_once_and_the_app_reaches_it_by_name(bin_path, started, tmp_path):
    name = _loopback_name()
    ports = free_cluster_ports(3)
    for port in ports:
        started.start(bin_path, tmp_path / str(port), port, "--cluster-enabled", "yes",
                      "--cluster-config-file", "nodes.conf", "--cluster-announce-hostname", name,
                      "--cluster-preferred-endpoint-type", "hostname", "--appendonly", "no")
    env = {"PATH": bin_path, "REDISCLI_AUTH": PASSWORD,
           "REDIS_CLUSTER_NODES": " ".join(f"{name}:{p}" for p in ports)}
    create = ["sh", str(DEPLOY / "cluster-create.sh")]
    done = subprocess.run(create, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    again = subprocess.run(create, env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and "already formed" in again.stdout

    client = make_redis(f"redis+cluster://:{PASSWORD}@{name}:{ports[0]}")
    for station in range(30):
        client.set(f"bf:{{s:{station}}}:x", station)
    assert {node.host for node in client.get_nodes()} == {name}  # names, as the nodes announce them
    assert sorted(node.port for node in client.get_primaries()) == sorted(ports)
    assert client.get("bf:{s:29}:x") == "29"
    client.close()

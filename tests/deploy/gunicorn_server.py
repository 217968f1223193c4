"""A real gunicorn, started the way the image starts it (``gunicorn -c gunicorn.conf.py``), for tests."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.helpers import ADMIN_TOKEN, SECRET_KEY, closed_port

ROOT = Path(__file__).resolve().parents[2]


class GunicornServer:
    def __init__(self, database_url: str, redis_url: str, log_path: Path, **env):
        self.port = closed_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "BUYFREE_DATABASE_URL": database_url, "BUYFREE_REDIS_URL": redis_url,
            "BUYFREE_ADMIN_TOKEN": ADMIN_TOKEN, "BUYFREE_SECRET_KEY": SECRET_KEY,
            "BUYFREE_WEB_HOST": "127.0.0.1", "BUYFREE_WEB_PORT": str(self.port),
            "BUYFREE_WEB_WORKERS": "2", "BUYFREE_WEB_THREADS": "4", "BUYFREE_LOG_JSON": "true",
            **{k: str(v) for k, v in env.items()},
        }
        self.proc: subprocess.Popen | None = None

    def start(self, wait: float = 90.0) -> "GunicornServer":
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"], cwd=ROOT,
                                     env=self.env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited {self.proc.returncode}:\n{self.log_text()}")
            try:
                if requests.get(self.base + "/healthz", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.stop(signal.SIGKILL)
        raise RuntimeError(f"gunicorn did not answer /healthz:\n{self.log_text()}")

    def stop(self, sig: int = signal.SIGTERM, wait: float = 60.0) -> int:
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(wait)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def json_lines(self) -> list[dict]:
        lines = []
        for line in self.log_text().splitlines():
            try:
                lines.append(json.loads(line))
            except ValueError:
                continue
        return lines

"""The Dockerfile, read instruction by instruction (no Docker engine here), and .dockerignore."""
import re
import shlex

import pytest

from tests.deploy.compose import ROOT

SECRET = re.compile(r"PASSWORD|TOKEN|SECRET|_KEY\b|AUTH|DATABASE_URL|REDIS_URL", re.I)


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    out, pending = [], ""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        full = (pending + stripped).strip()
        pending = ""
        word, _, rest = full.partition(" ")
        out.append((word.upper(), rest.strip()))
    return out


@pytest.fixture(scope="module")
def steps():
    return instructions()


def stages(steps) -> list[list[tuple[str, str]]]:
    result = []
    for word, rest in steps:
        if word == "FROM":
            result.append([])
        if result:
            result[-1].append((word, rest))
    return result


def test_two_stages_on_slim_python_311(steps):
    args = dict(rest.split("=", 1) for word, rest in steps if word == "ARG" and "=" in rest)
    froms = [rest for word, rest in steps if word == "FROM"]
    assert len(froms) >= 2 and froms[0].endswith(" AS build")
    base = args["PYTHON_IMAGE"]
    assert re.fullmatch(r"python:3\.11-slim(-\w+)?", base)
    assert all(f.split()[0] in ("${PYTHON_IMAGE}", base) for f in froms)
    runtime = stages(steps)[-1]
    assert ("COPY", "--from=build /opt/venv /opt/venv") in runtime
    assert not any("build-essential" in rest for _, rest in runtime)  # compilers stay in the build stage


def test_installs_the_pinned_requirements(steps):
    build = " ".join(rest for word, rest in stages(steps)[0] if word in ("COPY", "RUN"))
    assert "requirements.txt" in build and "image_requirements.py" in build
    assert "pip install --no-deps -r /build/requirements-image.txt" in build and "pip check" in build


def test_runs_as_an_unprivileged_user(steps):
    runtime = stages(steps)[-1]
    users = [rest for word, rest in runtime if word == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    order = [word for word, _ in runtime]
    assert order.index("USER") < order.index("CMD")
    assert any("useradd" in rest and "--system" in rest for word, rest in runtime if word == "RUN")


def test_serves_create_app_with_gunicorn_and_checks_healthz(steps):
    cmd = [rest for word, rest in steps if word == "CMD"][-1]
    assert shlex.split(cmd.replace("[", "").replace("]", "").replace(",", "")) == [
        "gunicorn", "-c", "/app/gunicorn.conf.py"]
    assert 'wsgi_app = "app:create_app()"' in (ROOT / "gunicorn.conf.py").read_text()
    health = [rest for word, rest in steps if word == "HEALTHCHECK"][-1]
    assert "--interval=" in health and "/app/deploy/healthcheck.py" in health
    env = " ".join(rest for word, rest in steps if word == "ENV")
    port = re.search(r"BUYFREE_WEB_PORT=(\d+)", env).group(1)
    assert ("EXPOSE", port) in steps and "BUYFREE_WEB_HOST=0.0.0.0" in env
    assert ("STOPSIGNAL", "SIGTERM") in steps


def test_no_secret_is_baked_in(steps):
    for word, rest in steps:
        if word in ("ENV", "ARG"):
            names = re.findall(r"(\w+)=", rest) or [rest.split()[0]]
            assert not [n for n in names if SECRET.search(n)], rest
        if word in ("COPY", "ADD"):
            assert ".env" not in rest.split() and "id_rsa" not in rest, rest
    ignored = (ROOT / ".dockerignore").read_text().split()
    for pattern in (".env", ".env.*", ".git", ".venv", "var", "tests", "*.pem"):
        assert pattern in ignored, pattern
    assert "!.env.example" in ignored


def test_copied_files_exist(steps):
    for word, rest in steps:
        if word == "COPY" and "--from" not in rest:
            sources = [s for s in rest.split()[:-1] if not s.startswith("--")]
            for source in sources:
                assert (ROOT / source).exists(), source

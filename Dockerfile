# syntax=docker/dockerfile:1
# BuyFree: the web server (gunicorn serving create_app()) and, from the same
# image, the scheduler and the one-shot migration (see docker-compose.yml).
#
#   docker build -t buyfree .
#   docker run --env-file .env -p 8050:8050 buyfree
#
# No secret is baked in: tokens, keys and server URLs come from the
# environment at run time (compose reads them from .env).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- build: a virtual environment with the pinned requirements -------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
# Compilers stay in this stage: a package without a wheel can still build.
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY requirements.txt /build/requirements.txt
COPY deploy/image_requirements.py /build/image_requirements.py
# The exact pins of requirements.txt, minus test tooling and the embedded demo servers.
RUN python /build/image_requirements.py /build/requirements.txt > /build/requirements-image.txt \
 && pip install --no-deps -r /build/requirements-image.txt \
 && pip check

# ---- runtime: the venv and the code, run by an unprivileged user -----------
FROM ${PYTHON_IMAGE} AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    TZ=Asia/Shanghai \
    BUYFREE_WEB_HOST=0.0.0.0 \
    BUYFREE_WEB_PORT=8050 \
    BUYFREE_LOG_JSON=true \
    BUYFREE_DATA_DIR=/tmp/buyfree
RUN groupadd --system --gid 10001 buyfree \
 && useradd --system --uid 10001 --gid buyfree --home-dir /app --no-create-home --shell /usr/sbin/nologin buyfree
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# Owned by root and read-only to the app user: a compromised worker cannot rewrite the code.
COPY --chown=root:root . /app
RUN python -m compileall -q /app
USER buyfree:buyfree
EXPOSE 8050
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "/app/deploy/healthcheck.py"]
# gunicorn as PID 1 (exec form): SIGTERM from `docker stop` reaches the arbiter,
# which lets in-flight requests finish (BUYFREE_WEB_GRACEFUL_TIMEOUT).
STOPSIGNAL SIGTERM
CMD ["gunicorn", "-c", "/app/gunicorn.conf.py"]

# syntax=docker/dockerfile:1
#
# casemgmt application image. One image serves every role:
#   web       (default CMD)  gunicorn casemgmt_project.wsgi:application on :8000
#   consumer  command override: python manage.py consume_kafka
#   migrate   command override: python manage.py migrate --noinput
# See docs/docker.md and docker-compose.yml.

# Base image for both stages (override with --build-arg PYTHON_IMAGE=...).

ARG PYTHON_IMAGE=python:3.11-slim

# ---------------------------------------------------------------------------
# builder: resolve and install the pinned runtime dependencies into a venv.
# Every pinned package ships manylinux wheels (confluent-kafka bundles
# librdkafka) except PyICU, which pip builds from source against the system
# ICU: libicu-dev, pkg-config and g++ are needed here, and ICU's shared
# libraries at runtime.
# ---------------------------------------------------------------------------

FROM ${PYTHON_IMAGE} AS builder

RUN apt-get update \
 && apt-get install -y --no-install-recommends libicu-dev pkg-config g++ \
 && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH

RUN python -m venv /opt/venv

WORKDIR /build
COPY requirements.txt ./
RUN pip install --prefer-binary -r requirements.txt

# ---------------------------------------------------------------------------
# runtime: slim base + the venv + the application source, run as non-root.
# ---------------------------------------------------------------------------

FROM ${PYTHON_IMAGE} AS runtime

LABEL org.opencontainers.image.title="casemgmt" \
      org.opencontainers.image.description="KYC/KYB case-management back office (Django, MongoDB, Kafka)"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=casemgmt_project.settings \
    GUNICORN_WORKERS=2 \
    GUNICORN_THREADS=4

# ICU's shared libraries for PyICU: the libicuNN package libicu-dev depends on (its
# number differs between Debian releases), without the headers.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      $(apt-cache depends libicu-dev | awk '/Depends: libicu[0-9]/ {print $2}') \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 casemgmt \
 && useradd --system --uid 10001 --gid casemgmt --home-dir /app \
        --no-create-home --shell /usr/sbin/nologin casemgmt

COPY --from=builder /opt/venv /opt/venv

WORKDIR /app
# Source stays owned by root (read-only for the service user).
COPY . .

# Static files (Django admin, API docs) are collected at build time. The settings
# insist on SECRET_KEY, MONGODB_URI and KAFKA_BOOTSTRAP_SERVERS, so this RUN line
# alone gets throw-away values; nothing connects to them and they are not
# persisted in the image (no ENV). Real values come from the runtime environment.
RUN SECRET_KEY=build-only-collectstatic-not-a-secret \
    MONGODB_URI=mongodb://build-only.invalid:27017 \
    KAFKA_BOOTSTRAP_SERVERS=build-only.invalid:9092 \
    DEBUG=false \
    python manage.py collectstatic --noinput \
 && mkdir -p /app/var \
 && chown casemgmt:casemgmt /app/var

USER casemgmt

EXPOSE 8000

# Liveness of the web role. The consumer and migrate roles disable it in compose.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; r = urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4); sys.exit(0 if r.status == 200 else 1)"]

# Shell form via sh -c so GUNICORN_WORKERS / GUNICORN_THREADS are read at start;
# exec hands PID 1 (and SIGTERM) to gunicorn. Access and error logs go to stderr as JSON lines.
CMD ["sh", "-c", "exec gunicorn casemgmt_project.wsgi:application --config python:casemgmt_project.gunicorn_conf --bind 0.0.0.0:8000 --workers \"${GUNICORN_WORKERS:-2}\" --threads \"${GUNICORN_THREADS:-4}\" --access-logfile - --error-logfile - --graceful-timeout 25 --timeout 60 --worker-tmp-dir /dev/shm"]

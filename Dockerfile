# syntax=docker/dockerfile:1.7
# The portal's production image: gunicorn serving Django, static files by WhiteNoise. The same
# image runs the Celery worker, beat and the one-time migrate step (see docker-compose.yml).
#
#   docker build -t nmt-portal .
#
# Two stages: the builder installs the locked dependencies with uv into /opt/venv; the runtime
# stage copies that venv and the code, with no uv, pip cache or build tools.

# Both stages must use the same image: the venv points at its interpreter by path.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- builder: the locked dependencies (uv.lock), without the dev group ---------------------------
FROM ${PYTHON_IMAGE} AS builder

# The uv that wrote uv.lock (pinned, so a new uv never rereads the lock differently).
ARG UV_VERSION=0.13.9
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN pip install --no-cache-dir "uv==${UV_VERSION}"

WORKDIR /src
# Only the project's metadata and lock: code changes don't reinstall the dependencies.
COPY pyproject.toml uv.lock ./
# --frozen: install exactly uv.lock, fail rather than re-resolve. The project itself is not a
# package (tool.uv.package = false): its code is copied in the runtime stage.
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-project

# --- runtime -----------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

# A fixed uid/gid, so the media volume's owner is the same in every container and on every host.
ARG APP_UID=10001
ARG APP_GID=10001

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH="/opt/venv/bin:$PATH" \
    DJANGO_SETTINGS_MODULE=portal.settings.production \
    PORT=8000

RUN groupadd --system --gid "${APP_GID}" portal \
    && useradd --system --uid "${APP_UID}" --gid portal --home-dir /home/portal --create-home \
        --shell /usr/sbin/nologin portal

WORKDIR /app
COPY --from=builder /opt/venv /opt/venv
# The code belongs to root and is read-only for the portal user (.dockerignore keeps out the
# venv, tests, local databases, media and secrets).
COPY . .

# collectstatic at build time (WhiteNoise's compressed manifest): the settings need values, not
# secrets, so it gets throwaway ones that exist only in this step. Nothing connects to a database.
# Then the media folder, the only place the portal writes to (a volume; with FILE_STORAGE=s3 it
# stays empty).
RUN SECRET_KEY=collectstatic-at-build-time-only \
    ALLOWED_HOSTS=localhost \
    SITE_URL=http://localhost \
    DATABASE_URL=sqlite:////tmp/collectstatic.sqlite3 \
    python manage.py collectstatic --no-input -v0 \
    && mkdir -p /app/media \
    && chown portal:portal /app/media

USER portal:portal
EXPOSE 8000

# /healthz answers 200 while the database is reachable; the script sends a Host from
# ALLOWED_HOSTS. Worker and beat replace this check with their own (docker-compose.yml).
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "/app/deploy/healthcheck.py", "web"]

# Workers from WEB_CONCURRENCY, access and error logs on stdout, worker_tmp_dir /dev/shm,
# forwarded_allow_ips and timeouts: all in deploy/gunicorn.conf.py.
CMD ["gunicorn", "--config", "/app/deploy/gunicorn.conf.py", "portal.wsgi:application"]

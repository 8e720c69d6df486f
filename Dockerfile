# syntax=docker/dockerfile:1.7
# One image per service, from one Dockerfile: the API and the worker of a service run from the same
# image with different commands (see k8s/). Build one with
#   docker build --build-arg SERVICE=submissions -t peerlab/submissions:$(git rev-parse --short HEAD) .
# SERVICE is one of submissions, review, projects, scheduling, gateway; PACKAGE (the workspace
# package that `uv sync --package` installs) follows from it.

ARG PYTHON_VERSION=3.12

# --- build: uv resolves the locked workspace into a self-contained virtual environment --------------
FROM python:${PYTHON_VERSION}-slim-bookworm AS build
ARG SERVICE=submissions
ARG PACKAGE=peerlab-${SERVICE}
ARG UV_VERSION=0.13.9
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN pip install --no-cache-dir "uv==${UV_VERSION}"
WORKDIR /src
COPY pyproject.toml uv.lock ./
COPY infra/ infra/
COPY services/ services/
COPY gateway/ gateway/
# --no-editable: the workspace packages are installed into the venv, so /src is not needed at run time.
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --package "${PACKAGE}"

# --- runtime: the interpreter and the venv, no compilers, no uv, no sources -------------------------
FROM python:${PYTHON_VERSION}-slim-bookworm AS runtime
ARG SERVICE=submissions
LABEL org.opencontainers.image.title="peerlab-${SERVICE}" \
      org.opencontainers.image.source="peerlab" \
      org.opencontainers.image.description="Peerlab ${SERVICE}: API (uvicorn) and worker from one image"
RUN groupadd --system --gid 10001 peerlab \
    && useradd --system --uid 10001 --gid peerlab --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin peerlab \
    && python -m pip uninstall --yes pip setuptools wheel
COPY --from=build --chown=root:root /app/.venv /app/.venv
ENV PATH=/app/.venv/bin:${PATH} \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PEERLAB_SERVICE=${SERVICE} \
    APP_MODULE=peerlab.${SERVICE}.main:app \
    HEALTH_URL=http://127.0.0.1:8000/healthz
WORKDIR /tmp
USER 10001:10001
EXPOSE 8000 9100
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(os.environ['HEALTH_URL'], timeout=2)"]
# The API by default; the worker is `python -m peerlab.<service>.worker`, the migration
# `python -m peerlab.<service>.migrate upgrade` (the manifests set these commands). uvloop and
# httptools (pinned in the chassis) serve the API; requests are counted and timed in /metrics, so
# no access-log line is written per request.
CMD ["sh", "-c", "exec uvicorn \"$APP_MODULE\" --host 0.0.0.0 --port 8000 --proxy-headers --no-server-header --loop uvloop --http httptools --no-access-log"]

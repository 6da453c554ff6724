# The image every cluster service runs: Python, Ray and apigen installed.
FROM python:3.11-slim

ENV PIP_NO_CACHE_DIR=1 \
    PYTHONUNBUFFERED=1 \
    LITELLM_LOCAL_MODEL_COST_MAP=True

WORKDIR /app
COPY pyproject.toml README.md ./
COPY apigen ./apigen
COPY environments ./environments
COPY blueprints ./blueprints
RUN pip install --no-cache-dir .

# Runs (and their SQLite fallback, caches) write here.
WORKDIR /work
CMD ["apigen", "--help"]

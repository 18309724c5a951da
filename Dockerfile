# One image for web, worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint needs Pango; Chinese text in PDFs needs a CJK font; curl for health checks.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk curl gettext \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 1000 lastmile
WORKDIR /app

COPY pyproject.toml README.md ./
COPY config ./config
COPY core ./core
COPY accounts ./accounts
COPY partnerships ./partnerships
RUN pip install .

COPY . .
# Collected with DEBUG off, as it runs: the manifest storage writes staticfiles.json.
RUN DJANGO_DEBUG=1 python manage.py compilemessages --ignore=.venv \
    && DJANGO_DEBUG=0 DJANGO_SECRET_KEY=build-only-not-secret python manage.py collectstatic --noinput \
    && mkdir -p /app/media /app/var/checkpoints \
    && chown -R lastmile:lastmile /app/media /app/var

USER lastmile
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]

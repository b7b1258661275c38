# Minqing's image: gunicorn + whitenoise (web), and the same image runs migrate, the Celery worker and beat
# (docker-compose.yml). Runs as the unprivileged user minqing; uploaded files and reports go to /data/media
# (a volume), beat's schedule to /var/lib/minqing (a volume).
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1

# pg_dump 15 (Debian 12's PostgreSQL client) for `manage.py backup_db` inside the container.
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client-15 \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# The dependencies first, in their own layer: a code change does not reinstall them.
COPY pyproject.toml ./
RUN pip install --no-cache-dir .
COPY . .

# Static files collected with the production storage (hashed names and the manifest whitenoise serves from),
# exactly as DEBUG=0 will read them. The key here serves this one command and is not kept: the running
# container gets its own SECRET_KEY from .env. tests/minqing/test_serving.py runs this line as written.
RUN DEBUG=0 SECRET_KEY=collectstatic-only-not-a-secret-0123456789abcdef ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput -v 0

RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin minqing \
 && mkdir -p /data/media /var/lib/minqing \
 && chown minqing:minqing /data/media /var/lib/minqing
USER minqing

EXPOSE 8000
CMD ["gunicorn", "--config", "gunicorn.conf.py", "minqing.wsgi:application"]

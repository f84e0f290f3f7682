FROM python:3.11-slim
# The instance folder (the secret key, the default SQLite file, the backups' staging) lives on the data volume, so it
# survives deploys.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 FLASK_APP=app DEFTER_INSTANCE=/data/instance
# Pango for WeasyPrint (PDF statements) and a font that covers Cyrillic; pg_dump/pg_restore for `flask school backup`
# and `restore` on PostgreSQL (Debian's client: it must not be older than the server).
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
        postgresql-client \
    && rm -rf /var/lib/apt/lists/*
# The app runs as this unprivileged user; the code stays root-owned and read-only to it.
RUN groupadd --system --gid 10001 defter \
    && useradd --system --uid 10001 --gid defter --home-dir /data --no-create-home --shell /usr/sbin/nologin defter
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir -e . && python -m school.catalogs compile \
    && mkdir -p /data/instance && chown -R defter:defter /data
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["/app/deploy/docker-entrypoint.sh"]
# Migrating before serving is a no-op when the release command already did it; on one machine with SQLite it is
# the one place the migration can run (the release command cannot see the volume).
CMD ["sh", "-c", "flask db upgrade && exec gunicorn --config gunicorn.conf.py app:app"]

FROM python:3.11-slim
# The instance folder (the secret key, the default SQLite file) lives on the data volume, so it survives deploys.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 FLASK_APP=app DEFTER_INSTANCE=/data/instance
# Pango for WeasyPrint (PDF statements) and a font that covers Cyrillic.
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir -e . && python -m school.catalogs compile
EXPOSE 8080
CMD ["sh", "-c", "flask db upgrade && gunicorn --workers 2 --threads 4 --bind 0.0.0.0:8080 app:app"]

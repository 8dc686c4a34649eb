FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# pg_dump and pg_restore for manage.py backup / restore (the stack's PostgreSQL is 15, as here).
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml ./
RUN pip install --no-cache-dir .
COPY . .
RUN DJANGO_DEBUG=true python manage.py collectstatic --noinput
# Run as a user without privileges; the volumes' folders are made here, owned by it, so that
# new named volumes start with that owner.
RUN useradd --uid 10001 --no-create-home --shell /usr/sbin/nologin crm \
    && mkdir -p /data/media /data/backups \
    && chown -R crm /data /app/staticfiles
USER crm
EXPOSE 8000
CMD ["gunicorn", "fulfillment.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]

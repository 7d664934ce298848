"""Settings of the Django example: no database at all, rapyer stores everything in Redis."""

from __future__ import annotations

import os

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only-not-secret")
DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver"]

INSTALLED_APPS = ["bookmarks"]  # its AppConfig.ready() calls rapyer.init_rapyer_sync
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
ROOT_URLCONF = "bookmarks_site.urls"
WSGI_APPLICATION = "bookmarks_site.wsgi.application"

DATABASES: dict[str, dict[str, str]] = {}  # no ORM: the documents live in Redis

USE_TZ = True
TIME_ZONE = "UTC"

# The server rapyer binds to (a URL, or a redis.Redis client).
RAPYER_REDIS_URL = os.environ.get("REDIS_URL", "redis://localhost:6379/0")

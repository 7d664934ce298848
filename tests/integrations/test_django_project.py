"""examples/django_project through Django's test client, against the real server."""

from __future__ import annotations

import json
import os
import sys

import pytest

pytest.importorskip("django")

PROJECT = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "django_project")


@pytest.fixture(scope="module")
def django_client(server_url):
    """Set Django up once with the example's own settings module, bound to the test server."""
    import django
    from django.conf import settings

    sys.path.insert(0, os.path.abspath(PROJECT))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_SETTINGS_MODULE", "bookmarks_site.settings")
        patch.setenv("REDIS_URL", server_url)  # read by settings.RAPYER_REDIS_URL
        if not settings.configured:
            django.setup()
        from django.test import Client

        assert settings.DATABASES == {}
        assert server_url == settings.RAPYER_REDIS_URL
        yield Client()
    sys.path.remove(os.path.abspath(PROJECT))


@pytest.fixture
def client(django_client, rapyer_bound):
    return django_client


def test_app_ready_binds_rapyer(django_client, server_url, monkeypatch):
    from django.apps import apps

    import rapyer

    calls = []
    monkeypatch.setattr(rapyer, "init_rapyer_sync", lambda **kwargs: calls.append(kwargs))
    apps.get_app_config("bookmarks").ready()
    assert calls == [{"redis": server_url}]


def test_crud_with_the_blocking_api(client, raw):
    body = {"slug": "docs", "url": "https://example.org/docs", "title": "Docs", "tags": ["ref"]}
    created = client.post("/bookmarks/", data=body, content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json() == body
    assert json.loads(raw.execute_command("JSON.GET", "Bookmark:docs", "$"))[0] == body

    assert client.get("/bookmarks/docs/").json() == body
    duplicate = client.post("/bookmarks/", data=body, content_type="application/json")
    assert duplicate.status_code == 409

    patched = client.patch(
        "/bookmarks/docs/", data={"title": "Reference", "tags": []}, content_type="application/json"
    )
    assert patched.status_code == 200, patched.content
    assert patched.json() == {**body, "title": "Reference", "tags": []}
    stored = json.loads(raw.execute_command("JSON.GET", "Bookmark:docs", "$"))[0]
    assert stored["title"] == "Reference" and stored["tags"] == []

    assert client.delete("/bookmarks/docs/").status_code == 204
    assert raw.exists("Bookmark:docs") == 0
    assert client.delete("/bookmarks/docs/").status_code == 404


def test_errors_become_http_statuses(client, raw):
    missing = client.get("/bookmarks/nope/")
    assert missing.status_code == 404
    assert "Bookmark:nope" in missing.json()["error"]
    assert (
        client.post("/bookmarks/", data="[1]", content_type="application/json").status_code == 400
    )
    invalid = client.post("/bookmarks/", data={"slug": "x"}, content_type="application/json")
    assert invalid.status_code == 400
    assert invalid.json()["errors"][0]["loc"] == ["url"]
    assert raw.keys("*") == []

    client.post("/bookmarks/", data={"slug": "a", "url": "u"}, content_type="application/json")
    unknown = client.patch("/bookmarks/a/", data={"nope": 1}, content_type="application/json")
    assert unknown.status_code == 400
    wrong_type = client.patch("/bookmarks/a/", data={"tags": 5}, content_type="application/json")
    assert wrong_type.status_code == 400
    assert client.get("/bookmarks/a/").json()["tags"] == []
    assert client.put("/bookmarks/a/").status_code == 405

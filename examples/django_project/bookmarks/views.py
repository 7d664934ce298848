"""JSON views on rapyer's blocking API: ``save``, ``get``, ``update``, ``delete``, ``exists``."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from pydantic import ValidationError

from rapyer.errors import KeyNotFound

from .documents import Bookmark


def _body(request: HttpRequest) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError("the body must be a JSON object")
    return data


def _bad_request(error: Exception) -> JsonResponse:
    if isinstance(error, ValidationError):
        return JsonResponse({"errors": json.loads(error.json())}, status=400)
    return JsonResponse({"errors": str(error)}, status=400)


@csrf_exempt
@require_http_methods(["POST"])
def collection(request: HttpRequest) -> HttpResponse:
    """``POST /bookmarks/``: create one (409 when the slug is taken)."""
    try:
        bookmark = Bookmark.model_validate(_body(request))
    except (ValueError, ValidationError) as error:
        return _bad_request(error)
    if Bookmark.exists(bookmark.key):
        return JsonResponse({"error": f"{bookmark.slug} exists"}, status=409)
    bookmark.save()
    return JsonResponse(bookmark.model_dump(mode="json"), status=201)


@csrf_exempt
@require_http_methods(["GET", "PATCH", "DELETE"])
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    """``GET``, ``PATCH`` (the fields sent) and ``DELETE`` on ``/bookmarks/<slug>/``."""
    if request.method == "DELETE":
        deleted = Bookmark.delete_by_key(slug)
        return HttpResponse(status=204 if deleted else 404)
    try:
        bookmark = Bookmark.get(slug)
    except KeyNotFound as error:
        return JsonResponse({"error": str(error)}, status=404)
    if request.method == "PATCH":
        try:
            changes = _body(request)
            changes.pop("slug", None)  # the key stays
            bookmark.update(**changes)  # validated, then one Redis transaction
        except (ValueError, ValidationError) as error:
            return _bad_request(error)
    return JsonResponse(bookmark.model_dump(mode="json"))

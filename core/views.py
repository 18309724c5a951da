import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return False


def _broker_state() -> tuple[bool, str]:
    if not settings.REDIS_URL:
        return True, "in-process"
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1
        )
        return bool(client.ping()), "redis"
    except redis.RedisError:
        return False, "redis"


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    database = _database_ok()
    broker, broker_kind = _broker_state()
    healthy = database and broker
    return JsonResponse(
        {
            "status": "ok" if healthy else "unavailable",
            "database": {"ok": database, "vendor": connection.vendor},
            "broker": {"ok": broker, "kind": broker_kind},
        },
        status=200 if healthy else 503,
    )


def _api_error(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse | None:
    """Integrators get the API's JSON error body, even for URLs no endpoint matched."""
    if not request.path.startswith("/api/"):
        return None
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


def error_404(request: HttpRequest, exception: Exception) -> HttpResponse:
    api = _api_error(request, 404, "not_found", "Not found.")
    return api or render(request, "404.html", status=404)


def error_403(request: HttpRequest, exception: Exception) -> HttpResponse:
    api = _api_error(request, 403, "permission_denied", "You do not have permission.")
    return api or render(request, "403.html", status=403)


def error_500(request: HttpRequest) -> HttpResponse:
    api = _api_error(request, 500, "server_error", "Something went wrong on our side.")
    return api or render(request, "500.html", status=500)

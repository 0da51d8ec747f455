"""Errors in the shape the Compute API returns them, raised by the fake's handlers."""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

JSON = dict[str, Any]

DEFAULT_REASONS: dict[int, str] = {
    400: "invalid",
    403: "forbidden",
    404: "notFound",
    405: "badRequest",
    409: "alreadyExists",
    412: "conditionNotMet",
    429: "rateLimitExceeded",
    500: "backendError",
    501: "notImplemented",
    503: "backendError",
}


class ApiError(Exception):
    """An HTTP error answered as {"error": {"code", "message", "errors": [...]}}."""

    def __init__(
        self, code: int, message: str, reason: str | None = None, domain: str = "global"
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.reason = reason or DEFAULT_REASONS.get(code, "unknown")
        self.domain = domain

    def body(self) -> JSON:
        """The JSON document sent as the response body."""
        detail = {"domain": self.domain, "reason": self.reason, "message": self.message}
        return {"error": {"code": self.code, "message": self.message, "errors": [detail]}}


def http_phrase(code: int) -> str:
    """The upper-case reason phrase Compute puts in an operation's httpErrorMessage."""
    try:
        return HTTPStatus(code).phrase.upper()
    except ValueError:
        return "ERROR"


def invalid(message: str) -> ApiError:
    """400 invalid: a malformed or unacceptable field."""
    return ApiError(400, message, "invalid")


def not_found(path: str) -> ApiError:
    """404 notFound for a resource path such as projects/p/regions/r/healthChecks/x."""
    return ApiError(404, f"The resource '{path}' was not found", "notFound")


def already_exists(path: str) -> ApiError:
    """409 alreadyExists for a name that is taken."""
    return ApiError(409, f"The resource '{path}' already exists", "alreadyExists")


def in_use(path: str, user: str) -> ApiError:
    """400 resourceInUseByAnotherResource: a delete blocked by a reference."""
    collection = path.split("/")[-2]
    singular = collection.removesuffix("es" if collection == "addresses" else "s")
    kind = re.sub(r"(?<!^)([A-Z])", r"_\1", singular).lower()
    return ApiError(
        400,
        f"The {kind} resource '{path}' is already being used by '{user}'",
        "resourceInUseByAnotherResource",
    )


def condition_not_met(field: str) -> ApiError:
    """412 conditionNotMet: a stale or missing fingerprint."""
    return ApiError(
        412,
        f"Supplied {field} does not match current {field}.",
        "conditionNotMet",
    )


def unsupported(what: str) -> ApiError:
    """501 for API methods the fake does not implement."""
    return ApiError(501, f"The Compute fake does not implement {what}.", "notImplemented")

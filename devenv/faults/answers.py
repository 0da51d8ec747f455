"""The answers a faulted call gets instead of the upstream's, in each cloud's own wire format.

Where it sits: the proxy (`devenv.faultproxy`) calls `throttled` or `server_error` for the
`throttle` and `error` fault kinds; the other kinds (timeout, dropped connection) answer
nothing. The bodies are what the real services send, so the real SDKs parse them as they
would parse AWS's or Google's: elb/elbv2 `<ErrorResponse>` with code `Throttling` (HTTP 400),
EC2 `<Response><Errors>` with `RequestLimitExceeded` (HTTP 503, what EC2 sends), and Compute
JSON errors with reason `rateLimitExceeded` (HTTP 429, or 403 as Compute also answers).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from devenv.faults.calls import CloudCall

XML = "text/xml"
JSON_TYPE = "application/json; charset=UTF-8"
_AWS_5XX = {500: ("InternalFailure", "Internal failure"), 503: ("ServiceUnavailable", "Busy")}
_EC2_5XX = {500: ("InternalError", "An internal error has occurred"), 503: ("Unavailable", "")}
_GCE_STATUS = {403: "PERMISSION_DENIED", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL"}
_GCE_STATUS |= {503: "UNAVAILABLE"}


@dataclass(frozen=True, slots=True)
class Answer:
    """An HTTP answer: status, content type and body."""

    status: int
    content_type: str
    body: bytes


def _aws_error(call: CloudCall, status: int, code: str, message: str, sender: bool) -> Answer:
    request_id = str(uuid.uuid4())
    if call.service == "ec2":
        text = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>'
            f"<Code>{code}</Code><Message>{message}</Message></Error></Errors>"
            f"<RequestID>{request_id}</RequestID></Response>"
        )
    else:
        kind = "Sender" if sender else "Receiver"
        text = (
            "<ErrorResponse><Error>"
            f"<Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message>"
            f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        )
    return Answer(status, XML, text.encode())


def _gce_error(status: int, reason: str, domain: str, message: str) -> Answer:
    body = {
        "error": {
            "code": status,
            "message": message,
            "errors": [{"message": message, "domain": domain, "reason": reason}],
            "status": _GCE_STATUS.get(status, "UNKNOWN"),
        }
    }
    return Answer(status, JSON_TYPE, json.dumps(body).encode())


def throttled(call: CloudCall, code: int) -> Answer:
    """The service's rate-limit answer (`code`: 429 or 403 for GCE; ignored for AWS)."""
    if call.cloud == "gce":
        return _gce_error(code, "rateLimitExceeded", "usageLimits", "Rate Limit Exceeded")
    if call.service == "ec2":
        return _aws_error(call, 503, "RequestLimitExceeded", "Request limit exceeded.", True)
    return _aws_error(call, 400, "Throttling", "Rate exceeded", True)


def server_error(call: CloudCall, code: int) -> Answer:
    """A 500 or 503 as the service words it."""
    if call.cloud == "gce":
        message = "Internal error. Please try again." if code == 500 else "Service unavailable."
        return _gce_error(code, "backendError", "global", message)
    table = _EC2_5XX if call.service == "ec2" else _AWS_5XX
    name, message = table[code]
    return _aws_error(call, code, name, message, False)

"""Translating botocore's exceptions, in one place for the whole AWS provider.

Where it sits: `api.Api.run` hands every failed SDK call to `classify` (for the shared
`CloudCaller` retry policy) and to `translate` (what a final failure becomes); finders use
`is_code` to tell "not found" from real failures.
"""

from __future__ import annotations

from botocore.exceptions import ClientError, HTTPClientError
from botocore.parsers import ResponseParserError

from lbcontroller.cloudcall import Outcome
from lbcontroller.errors import PermanentError

THROTTLE_CODES = frozenset(
    {"Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException"}
)
# Still busy: a target group whose listener or load balancer is being deleted, a security
# group still referenced by a load balancer's network interfaces.
BUSY_CODES = frozenset({"ResourceInUse", "DependencyViolation"})
# The Service (its annotations) names something AWS refuses: only the user can fix it.
USER_CODES = frozenset(
    {
        "ValidationError",
        "InvalidConfigurationRequest",
        "SubnetNotFound",
        "InvalidSubnet",
        "InvalidSubnetID.NotFound",
        "InvalidSecurityGroup",
        "InvalidGroup.NotFound",
        "SecurityGroupNotFound",
        "CertificateNotFound",
        "AllocationIdNotFound",
        "InvalidAllocationID.NotFound",
        "UnsupportedProtocol",
    }
)


def error_code(exc: BaseException) -> str:
    """The AWS error code of a failed call ("" for anything but a service error)."""
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return ""


def is_code(exc: BaseException, *codes: str) -> bool:
    """Whether `exc` is a service error with one of `codes`."""
    return error_code(exc) in codes


def classify(exc: Exception) -> Outcome:
    """Throttled, transient (5xx, connection trouble, still busy) or final."""
    if isinstance(exc, HTTPClientError | ResponseParserError):  # a 5xx whose body is not XML
        return Outcome.TRANSIENT
    if not isinstance(exc, ClientError):
        return Outcome.FINAL
    code = error_code(exc)
    if code in THROTTLE_CODES:
        return Outcome.THROTTLED
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
    if status >= 500 or code in BUSY_CODES:
        return Outcome.TRANSIENT
    return Outcome.FINAL


def translate(exc: Exception, *, operation: str) -> Exception:
    """What a finally failed call raises: PermanentError for input only the user can fix."""
    code = error_code(exc)
    if code not in USER_CODES:
        return exc
    message = exc.response["Error"].get("Message", "") if isinstance(exc, ClientError) else ""
    return PermanentError(f"AWS refused {operation}: {code}: {message}")

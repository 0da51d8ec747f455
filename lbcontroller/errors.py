"""The two typed signals a provider or the core can raise, and how each is treated.

Where it sits: raised by `spec` (bad input), `annotations` and providers; caught by the
reconciler, which turns `RetryAfter` into a delayed requeue and `PermanentError` into a Warning
Event with no hot retry. Anything else is retried with per-key exponential backoff.
"""

from __future__ import annotations


class RetryAfter(Exception):
    """Not an error yet: try again after `delay` seconds (e.g. still provisioning)."""

    def __init__(self, reason: str, *, delay: float) -> None:
        super().__init__(reason)
        self.reason = reason
        self.delay = delay


class PermanentError(Exception):
    """Retrying will not help until the user changes the Service (or the config)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidAnnotation(PermanentError):
    """An annotation value that cannot be parsed or is out of range."""

    def __init__(self, annotation: str, value: str, reason: str) -> None:
        super().__init__(
            f"annotation {annotation}={value!r}: {reason}",
            field=f"metadata.annotations[{annotation}]",
        )
        self.annotation = annotation
        self.value = value


class Unsupported(PermanentError):
    """A valid Service that this provider cannot serve (e.g. SCTP, or UDP on a classic ELB)."""

"""Names, scopes and references: parse the links the client sends, build the ones we return.

A scope is "global", "regions/{region}" or "zones/{zone}". References may arrive as full URLs
(any host, e.g. https://www.googleapis.com/compute/v1/...), as partial URLs starting at
"projects/" or at the scope, and are always stored as full selfLinks on the fake's own host.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import invalid

NAME_PATTERN = r"[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?"
_NAME_RE = re.compile(NAME_PATTERN)
_REF_RE = re.compile(
    r"(?:https?://[^/]+/compute/(?:v1|beta|alpha)/)?"
    r"(?:projects/(?P<project>[^/]+)/)?"
    r"(?P<scope>global|regions/[^/]+|zones/[^/]+)/"
    r"(?P<collection>[A-Za-z]+)/(?P<name>[^/]+)"
)


@dataclass(frozen=True)
class Ref:
    """One resource: project, scope, collection and name."""

    project: str
    scope: str
    collection: str
    name: str

    @property
    def path(self) -> str:
        """The partial URL, projects/{p}/{scope}/{collection}/{name}."""
        return f"projects/{self.project}/{self.scope}/{self.collection}/{self.name}"

    @property
    def location(self) -> str:
        """The region or zone name ("global" for global resources)."""
        return self.scope.rsplit("/", 1)[-1]


def is_name(value: object) -> bool:
    """Whether value is a valid RFC 1035 resource name."""
    return isinstance(value, str) and _NAME_RE.fullmatch(value) is not None


def check_name(value: object, field: str = "name") -> str:
    """The name, or 400 invalid when it is not an RFC 1035 label of at most 63 characters."""
    if not isinstance(value, str) or not is_name(value):
        raise invalid(
            f"Invalid value for field 'resource.{field}': '{value}'. "
            f"Must be a match of regex '(?:{NAME_PATTERN})'"
        )
    return value


def region_of_zone(zone: str) -> str:
    """us-central1-a -> us-central1."""
    return zone.rsplit("-", 1)[0]


def parse_ref(
    value: object,
    *,
    field: str,
    project: str,
    collections: tuple[str, ...],
    name_scope: str | None = None,
) -> Ref:
    """A reference from a full or partial URL; a bare name only when name_scope is given."""
    if not isinstance(value, str) or not value:
        raise invalid(f"Invalid value for field 'resource.{field}': '{value}'. Must be a URL.")
    match = _REF_RE.fullmatch(value)
    if match is None:
        if name_scope is not None and is_name(value):
            return Ref(project, name_scope, collections[0], value)
        raise invalid(
            f"Invalid value for field 'resource.{field}': '{value}'. The URL is malformed."
        )
    ref = Ref(match["project"] or project, match["scope"], match["collection"], match["name"])
    if ref.collection not in collections:
        raise invalid(
            f"Invalid value for field 'resource.{field}': '{value}'. "
            f"Expected a reference to {' or '.join(collections)}."
        )
    return ref


def from_link(link: str) -> Ref:
    """The Ref of a full link the fake stored itself."""
    match = _REF_RE.fullmatch(link)
    if match is None or match["project"] is None:
        raise invalid(f"Not a resource link: '{link}'.")
    return Ref(match["project"], match["scope"], match["collection"], match["name"])


class Links:
    """Builds full URLs on the fake's own host: http://127.0.0.1:PORT/compute/v1/..."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url.rstrip("/") + "/compute/v1/"

    def of(self, ref: Ref) -> str:
        """The selfLink of a resource."""
        return self.base + ref.path

    def scope(self, project: str, scope: str) -> str:
        """The link of a region or zone (or of the project for global scope)."""
        if scope == "global":
            return f"{self.base}projects/{project}"
        return f"{self.base}projects/{project}/{scope}"

    def collection(self, project: str, scope: str, collection: str) -> str:
        """The link of a collection, as lists report it in selfLink."""
        return f"{self.base}projects/{project}/{scope}/{collection}"

"""The behaviour every collection shares: get, list, insert, delete, update, patch, setLabels.

A handler validates the request and returns either a JSON body (reads) or a `Mutation`: the
operation's type and target plus an `apply` callback. The dispatcher (`api.py`) decides whether
to apply it (an injected failure skips it) and answers with the operation. Subclasses fill in
`build` (validate and normalise the user's fields), `commit`/`release` (side effects such as
IP claims or address users) and `check_delete` (refuse while referenced).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from .errors import JSON, already_exists, condition_not_met, invalid, unsupported
from .links import Ref, check_name, is_name
from .listing import envelope, paginate
from .store import State, public

BASE_OUTPUT = frozenset(
    {"kind", "id", "creationTimestamp", "selfLink", "fingerprint", "labelFingerprint"}
)


@dataclass
class Call:
    """One API request, routed: /compute/v1/projects/{project}/{scope}/{collection}/..."""

    method: str
    project: str
    scope: str
    collection: str
    name: str | None
    verb: str | None
    query: dict[str, str]
    body: JSON

    @property
    def api_method(self) -> str:
        """The API method name: get, list, insert, delete, update, patch or a custom verb."""
        if self.verb:
            return self.verb
        if self.name is None:
            return {"GET": "list", "POST": "insert"}.get(self.method, self.method.lower())
        by_method = {"GET": "get", "DELETE": "delete", "PUT": "update", "PATCH": "patch"}
        return by_method.get(self.method, self.method.lower())

    @property
    def ref(self) -> Ref:
        """The addressed resource."""
        return Ref(self.project, self.scope, self.collection, self.name or "")


@dataclass
class Mutation:
    """A validated change, applied only if no injected failure intervenes."""

    op_type: str
    target: Ref
    target_id: str
    apply: Callable[[], None]


Result = JSON | Mutation
Handler = Callable[[State, Call], Result]


def digest(value: Any) -> str:
    """A fingerprint: base64 of 8 bytes of a hash of the canonical JSON."""
    raw = hashlib.sha256(json.dumps(value, sort_keys=True).encode()).digest()[:8]
    return base64.b64encode(raw).decode()


def merge_patch(target: Any, patch: Any) -> Any:
    """JSON merge patch (RFC 7396), the semantics Compute documents for PATCH."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    merged = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge_patch(merged.get(key), value)
    return merged


def path_of(st: State, link: str) -> str:
    """projects/... for one of our own links."""
    return link.removeprefix(st.links.base)


def int_field(spec: JSON, key: str, default: int, low: int, high: int, *, where: str = "") -> int:
    """An integer field (JSON number or decimal string) with a default and bounds."""
    raw = spec.get(key, default)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = low - 1
    if isinstance(raw, bool) or not low <= value <= high:
        raise invalid(f"Invalid value for field 'resource.{where}{key}': '{raw}'.")
    return value


def choice(spec: JSON, key: str, default: str | None, allowed: set[str], *, where: str = "") -> str:
    """An enum-like string field."""
    value = spec.get(key, default)
    if value not in allowed:
        raise invalid(
            f"Invalid value for field 'resource.{where}{key}': '{value}'. "
            f"Must be one of {sorted(allowed)}."
        )
    return str(value)


class Collection:
    """Generic behaviour; subclasses set the class variables and override the hooks."""

    collection: ClassVar[str]
    scope_kind: ClassVar[str]
    kind: ClassVar[str]
    has_fingerprint: ClassVar[bool] = False
    has_labels: ClassVar[bool] = False
    methods: ClassVar[frozenset[str]] = frozenset({"get", "list", "insert", "delete"})
    output_only: ClassVar[frozenset[str]] = frozenset()

    def handlers(self) -> dict[str, Handler]:
        """API method name -> handler; subclasses add their custom verbs."""
        return {
            "get": self.get,
            "list": self.list,
            "insert": self.insert,
            "delete": self.delete,
            "update": self.update,
            "patch": self.patch,
            "setLabels": self.set_labels,
        }

    def handle(self, st: State, call: Call) -> Result:
        """Run the call's method (501 for methods this collection does not implement)."""
        method = call.api_method
        handler = self.handlers().get(method)
        if handler is None or method not in self.methods:
            raise unsupported(f"{self.collection}.{method}")
        return handler(st, call)

    # Hooks ---------------------------------------------------------------------------------

    def build(self, st: State, call: Call, spec: JSON, old: JSON | None) -> JSON:
        """Validate and normalise the user's fields (old is None on insert)."""
        return spec

    def commit(self, st: State, ref: Ref, new: JSON, old: JSON | None) -> None:
        """Side effects of storing new (replacing old)."""

    def release(self, st: State, ref: Ref, old: JSON) -> None:
        """Side effects of deleting old."""

    def check_delete(self, st: State, ref: Ref, current: JSON) -> None:
        """Raise resourceInUseByAnotherResource while something refers to the resource."""

    # Helpers -------------------------------------------------------------------------------

    def user_fields(self, resource: JSON) -> JSON:
        """The resource without output-only and private fields."""
        hidden = BASE_OUTPUT | self.output_only | {"region", "zone"}
        return {k: copy.deepcopy(v) for k, v in resource.items() if k not in hidden and k[0] != "_"}

    def _labels(self, spec: JSON) -> dict[str, str]:
        labels = spec.get("labels", {})
        if not isinstance(labels, dict) or not all(
            is_name(k) and isinstance(v, str) and len(v) <= 63 for k, v in labels.items()
        ):
            raise invalid("Invalid value for field 'resource.labels'.")
        return dict(labels)

    def _finish(self, st: State, ref: Ref, resource: JSON, old: JSON | None) -> JSON:
        """Add the output-only fields every resource has."""
        resource["kind"] = self.kind
        resource["name"] = ref.name
        resource["id"] = old["id"] if old else st.new_id()
        resource["creationTimestamp"] = old["creationTimestamp"] if old else st.timestamp()
        resource["selfLink"] = st.links.of(ref)
        if ref.scope != "global":
            resource[ref.scope.split("/")[0][:-1]] = st.links.scope(ref.project, ref.scope)
        if self.has_labels:
            resource["labels"] = self._labels(resource)
            resource["labelFingerprint"] = digest(resource["labels"])
            if not resource["labels"]:
                del resource["labels"]
        if self.has_fingerprint:
            resource.pop("fingerprint", None)
            resource["fingerprint"] = digest([public(resource), st.new_id()])
        return resource

    def _check_fingerprint(self, body: JSON, current: JSON, required: bool) -> None:
        given = body.get("fingerprint")
        if (given is None and required) or (given is not None and given != current["fingerprint"]):
            raise condition_not_met("fingerprint")

    # Methods -------------------------------------------------------------------------------

    def get(self, st: State, call: Call) -> Result:
        """GET .../{name}"""
        return public(st.require(call.ref))

    def list(self, st: State, call: Call) -> Result:
        """GET .../{collection}, with filter, maxResults and pageToken."""
        items = [public(r) for r in st.bucket(call.project, call.scope, self.collection).values()]
        page, token = paginate(items, call.query, key=lambda item: str(item["name"]))
        ident = f"projects/{call.project}/{call.scope}/{self.collection}"
        return envelope(self.kind + "List", ident, st.links.base + ident, page, token)

    def insert(self, st: State, call: Call) -> Result:
        """POST .../{collection}"""
        ref = Ref(call.project, call.scope, self.collection, check_name(call.body.get("name")))
        if st.get(ref) is not None:
            raise already_exists(ref.path)
        resource = self._finish(
            st, ref, self.build(st, call, self.user_fields(call.body), None), None
        )

        def apply() -> None:
            st.put(ref, resource)
            self.commit(st, ref, resource, None)

        return Mutation("insert", ref, resource["id"], apply)

    def delete(self, st: State, call: Call) -> Result:
        """DELETE .../{name}"""
        ref = call.ref
        current = st.require(ref)
        self.check_delete(st, ref, current)

        def apply() -> None:
            st.drop(ref)
            self.release(st, ref, current)

        return Mutation("delete", ref, current["id"], apply)

    def _replace(self, st: State, call: Call, spec: JSON, op_type: str) -> Mutation:
        ref = call.ref
        current = st.require(ref)
        if call.body.get("name", ref.name) != ref.name:
            raise invalid("Invalid value for field 'resource.name': the name cannot be changed.")
        if self.has_labels and "labels" not in spec and "labels" in current:
            spec["labels"] = copy.deepcopy(current["labels"])
        resource = self.build(st, call, spec, current)
        for key, value in current.items():
            if key.startswith("_"):
                resource.setdefault(key, copy.deepcopy(value))
        resource = self._finish(st, ref, resource, current)

        def apply() -> None:
            st.put(ref, resource)
            self.commit(st, ref, resource, current)

        return Mutation(op_type, ref, resource["id"], apply)

    def update(self, st: State, call: Call) -> Result:
        """PUT .../{name}: replace every user field (a fingerprint is required if it has one)."""
        current = st.require(call.ref)
        if self.has_fingerprint:
            self._check_fingerprint(call.body, current, required=True)
        return self._replace(st, call, self.user_fields(call.body), "update")

    def patch(self, st: State, call: Call) -> Result:
        """PATCH .../{name}: merge the given fields (a given fingerprint must match)."""
        current = st.require(call.ref)
        if self.has_fingerprint:
            self._check_fingerprint(call.body, current, required=False)
        spec = merge_patch(self.user_fields(current), self.user_fields(call.body))
        return self._replace(st, call, spec, "patch")

    def set_labels(self, st: State, call: Call) -> Result:
        """POST .../{name}/setLabels {labelFingerprint, labels}"""
        ref = call.ref
        current = st.require(ref)
        given = call.body.get("labelFingerprint")
        if given is None:
            raise invalid("Required field 'labelFingerprint' not specified.")
        if given != current["labelFingerprint"]:
            raise condition_not_met("labelFingerprint")
        resource = copy.deepcopy(current)
        resource["labels"] = self._labels(call.body)
        resource = self._finish(st, ref, resource, current)

        def apply() -> None:
            st.put(ref, resource)

        return Mutation("setLabels", ref, resource["id"], apply)

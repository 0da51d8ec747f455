"""List support: the `filter` expression, maxResults/pageToken pagination, list envelopes.

Filters: comparisons `field OP value` with OP one of = != : < > <= >= (a `*` in a value is a
wildcard; `field:*` means "has the field"), combined with AND / OR / NOT, juxtaposition (AND)
and parentheses; dotted fields reach nested values (labels.env). The legacy single-clause form
`field eq regex` / `field ne regex` is a full regular-expression match.
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import re
from collections.abc import Callable
from typing import Any

from .errors import JSON, invalid

Predicate = Callable[[JSON], bool]

_LEGACY_RE = re.compile(r"\s*([A-Za-z_][\w.]*)\s+(eq|ne)\s+(.+?)\s*")
_TOKEN_RE = re.compile(
    r"\s*(?:(?P<paren>[()])|(?P<op>!=|<=|>=|=|:|<|>)"
    r"|(?P<quoted>\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*')|(?P<word>[^\s()=!:<>\"']+))"
)
MAX_RESULTS = 500


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    return text


def _values(item: Any, path: list[str]) -> list[Any]:
    """Every value at a dotted path (lists fan out)."""
    if not path:
        return item if isinstance(item, list) else [item]
    if isinstance(item, list):
        return [v for element in item for v in _values(element, path)]
    if isinstance(item, dict) and path[0] in item:
        return _values(item[path[0]], path[1:])
    return []


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _compare(value: Any, op: str, wanted: str) -> bool:
    text = _text(value)
    if op in ("=", ":"):
        if "*" in wanted:
            return fnmatch.fnmatchcase(text, wanted.replace("[", "[[]").replace("?", "[?]"))
        return text == wanted or (text in ("true", "false") and text == wanted.lower())
    try:
        order = (float(text) > float(wanted)) - (float(text) < float(wanted))
    except ValueError:
        order = (text > wanted) - (text < wanted)
    return {"<": order < 0, ">": order > 0, "<=": order <= 0, ">=": order >= 0}[op]


def _clause(field: str, op: str, wanted: str) -> Predicate:
    path = field.split(".")

    def test(item: JSON) -> bool:
        found = _values(item, path)
        if op == ":" and wanted == "*":
            return bool(found)
        if op == "!=":
            return not any(_compare(v, "=", wanted) for v in found)
        return any(_compare(v, op, wanted) for v in found)

    return test


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text):
            match = _TOKEN_RE.match(text, pos)
            if match is None or match.end() == pos:
                if text[pos:].strip():
                    raise invalid(f"Invalid list filter expression: '{text}'.")
                break
            kind = match.lastgroup or ""
            self.tokens.append((kind, match.group(kind)))
            pos = match.end()
        self.at = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise invalid("Invalid list filter expression: unexpected end.")
        self.at += 1
        return token

    def conjunction(self) -> Predicate:
        parts = [self.disjunction()]
        while (token := self.peek()) is not None and token != ("paren", ")"):
            if token == ("word", "AND"):
                self.take()
            parts.append(self.disjunction())
        return lambda item: all(p(item) for p in parts)

    def disjunction(self) -> Predicate:
        parts = [self.unary()]
        while self.peek() == ("word", "OR"):
            self.take()
            parts.append(self.unary())
        return lambda item: any(p(item) for p in parts)

    def unary(self) -> Predicate:
        if self.peek() == ("word", "NOT"):
            self.take()
            inner = self.primary()
            return lambda item: not inner(item)
        return self.primary()

    def primary(self) -> Predicate:
        kind, text = self.take()
        if (kind, text) == ("paren", "("):
            inner = self.conjunction()
            if self.take() != ("paren", ")"):
                raise invalid("Invalid list filter expression: unbalanced parentheses.")
            return inner
        if kind != "word":
            raise invalid(f"Invalid list filter expression near '{text}'.")
        op_kind, op = self.take()
        value_kind, value = self.take()
        if op_kind != "op" or value_kind not in ("word", "quoted"):
            raise invalid(f"Invalid list filter expression near '{text}'.")
        return _clause(text, op, _unquote(value))


def compile_filter(text: str | None) -> Predicate:
    """A predicate for a Compute list filter (empty filter: everything)."""
    if not text or not text.strip():
        return lambda item: True
    legacy = _LEGACY_RE.fullmatch(text)
    if legacy is not None:
        path, op, raw = legacy[1].split("."), legacy[2], _unquote(legacy[3])
        try:
            pattern = re.compile(raw)
        except re.error as exc:
            raise invalid(f"Invalid regular expression in filter: '{raw}'.") from exc

        def test(item: JSON) -> bool:
            hit = any(pattern.fullmatch(_text(v)) for v in _values(item, path))
            return hit if op == "eq" else not hit

        return test
    parser = _Parser(text)
    predicate = parser.conjunction()
    if parser.peek() is not None:
        raise invalid("Invalid list filter expression: unbalanced parentheses.")
    return predicate


def _encode(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode()


def paginate(
    items: list[JSON], query: dict[str, str], key: Callable[[JSON], str]
) -> tuple[list[JSON], str | None]:
    """One page of the items (sorted by key), after the filter, and the next page token."""
    predicate = compile_filter(query.get("filter"))
    chosen = sorted((i for i in items if predicate(i)), key=key)
    raw_max = query.get("maxResults", str(MAX_RESULTS))
    if not raw_max.isdigit():
        raise invalid(f"Invalid value for field 'maxResults': '{raw_max}'.")
    size = min(int(raw_max), MAX_RESULTS) or MAX_RESULTS
    token = query.get("pageToken")
    if token:
        try:
            after = base64.urlsafe_b64decode(token.encode()).decode()
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise invalid(f"Invalid value for field 'pageToken': '{token}'.") from exc
        chosen = [i for i in chosen if key(i) > after]
    page = chosen[:size]
    more = len(chosen) > size
    return page, (_encode(key(page[-1])) if more and page else None)


def envelope(kind: str, ident: str, self_link: str, page: list[JSON], token: str | None) -> JSON:
    """A list response; like Compute, `items` is left out when empty."""
    body: JSON = {"kind": kind, "id": ident, "selfLink": self_link}
    if page:
        body["items"] = page
    if token:
        body["nextPageToken"] = token
    return body

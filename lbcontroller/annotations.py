"""Typed readers for Service annotations, each error naming the annotation and the value.

Where it sits: used by providers' `parse_options` (pure) while the core builds the desired
`LoadBalancerSpec`; nothing here does I/O.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping

from lbcontroller.errors import InvalidAnnotation

_INT = re.compile(r"[+-]?[0-9]+")
_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


def get_bool(annotations: Mapping[str, str], key: str, *, default: bool = False) -> bool:
    """A boolean annotation: true/false (also yes/no, 1/0, on/off)."""
    raw = annotations.get(key)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise InvalidAnnotation(key, raw, "expected true or false")


def get_int(
    annotations: Mapping[str, str], key: str, *, default: int | None, low: int, high: int
) -> int | None:
    """An integer annotation within [low, high]."""
    raw = annotations.get(key)
    if raw is None:
        return default
    if not _INT.fullmatch(raw.strip()):
        raise InvalidAnnotation(key, raw, "expected a whole number")
    value = int(raw.strip())
    if not low <= value <= high:
        raise InvalidAnnotation(key, raw, f"must be between {low} and {high}")
    return value


def get_choice(
    annotations: Mapping[str, str], key: str, choices: tuple[str, ...], *, default: str
) -> str:
    """One of a fixed set of values, compared without regard to case."""
    raw = annotations.get(key)
    if raw is None:
        return default
    for choice in choices:
        if raw.strip().lower() == choice.lower():
            return choice
    raise InvalidAnnotation(key, raw, "expected one of " + ", ".join(choices))


def get_list(annotations: Mapping[str, str], key: str) -> tuple[str, ...]:
    """A comma-separated list; empty items are dropped."""
    raw = annotations.get(key, "")
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def get_map(annotations: Mapping[str, str], key: str) -> dict[str, str]:
    """A comma-separated list of key=value pairs."""
    out: dict[str, str] = {}
    for item in get_list(annotations, key):
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise InvalidAnnotation(key, annotations[key], f"item {item!r} is not key=value")
        out[name.strip()] = value.strip()
    return out


def get_cidrs(annotations: Mapping[str, str], key: str) -> tuple[str, ...]:
    """A comma-separated list of CIDRs, normalised."""
    return tuple(
        parse_cidr(item, field=key, raw=annotations[key]) for item in get_list(annotations, key)
    )


def parse_cidr(item: str, *, field: str, raw: str) -> str:
    """One CIDR, normalised (host bits cleared); an error names `field`."""
    try:
        return str(ipaddress.ip_network(item, strict=False))
    except ValueError:
        raise InvalidAnnotation(field, raw, f"{item!r} is not a CIDR") from None

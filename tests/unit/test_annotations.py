"""The typed annotation readers: values, defaults, and errors naming annotation and value."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from lbcontroller import annotations as ann
from lbcontroller.errors import InvalidAnnotation

KEY = "example.com/setting"
SCHEMES = ("internet-facing", "internal")

Reader = Callable[[dict[str, str]], object]


def read_bool(annotations: dict[str, str]) -> object:
    return ann.get_bool(annotations, KEY, default=True)


def read_int(annotations: dict[str, str]) -> object:
    return ann.get_int(annotations, KEY, default=None, low=1, high=65535)


def read_choice(annotations: dict[str, str]) -> object:
    return ann.get_choice(annotations, KEY, SCHEMES, default="internet-facing")


def read_list(annotations: dict[str, str]) -> object:
    return ann.get_list(annotations, KEY)


def read_map(annotations: dict[str, str]) -> object:
    return ann.get_map(annotations, KEY)


def read_cidrs(annotations: dict[str, str]) -> object:
    return ann.get_cidrs(annotations, KEY)


@pytest.mark.parametrize(
    ("reader", "raw", "expected"),
    [
        pytest.param(read_bool, None, True, id="bool-default"),
        pytest.param(read_bool, "true", True, id="bool-true"),
        pytest.param(read_bool, " FALSE ", False, id="bool-false-upper"),
        pytest.param(read_bool, "yes", True, id="bool-yes"),
        pytest.param(read_bool, "0", False, id="bool-zero"),
        pytest.param(read_bool, "Off", False, id="bool-off"),
        pytest.param(read_int, None, None, id="int-default"),
        pytest.param(read_int, "1", 1, id="int-low"),
        pytest.param(read_int, " 8080 ", 8080, id="int-spaces"),
        pytest.param(read_int, "65535", 65535, id="int-high"),
        pytest.param(read_choice, None, "internet-facing", id="choice-default"),
        pytest.param(read_choice, "INTERNAL", "internal", id="choice-case"),
        pytest.param(read_choice, " Internet-Facing ", "internet-facing", id="choice-spaces"),
        pytest.param(read_list, None, (), id="list-absent"),
        pytest.param(read_list, " a, ,b ,", ("a", "b"), id="list-blanks"),
        pytest.param(read_map, None, {}, id="map-absent"),
        pytest.param(read_map, "team=shop, tier = web", {"team": "shop", "tier": "web"}, id="map"),
        pytest.param(read_map, "k=,x=a=b", {"k": "", "x": "a=b"}, id="map-empty-and-eq"),
        pytest.param(read_cidrs, None, (), id="cidrs-absent"),
        pytest.param(
            read_cidrs,
            "10.1.2.3/8, 192.168.0.1 ,fd00::1/64",
            ("10.0.0.0/8", "192.168.0.1/32", "fd00::/64"),
            id="cidrs-normalised",
        ),
    ],
)
def test_good_values(reader: Reader, raw: str | None, expected: object) -> None:
    assert reader({} if raw is None else {KEY: raw}) == expected


@pytest.mark.parametrize(
    ("reader", "raw", "reason"),
    [
        pytest.param(read_bool, "maybe", "expected true or false", id="bool"),
        pytest.param(read_bool, "", "expected true or false", id="bool-empty"),
        pytest.param(read_int, "eighty", "expected a whole number", id="int-word"),
        pytest.param(read_int, "80.5", "expected a whole number", id="int-fraction"),
        pytest.param(read_int, "0", "must be between 1 and 65535", id="int-below"),
        pytest.param(read_int, "65536", "must be between 1 and 65535", id="int-above"),
        pytest.param(
            read_choice, "public", "expected one of internet-facing, internal", id="choice"
        ),
        pytest.param(read_map, "team=shop,web", "item 'web' is not key=value", id="map-no-eq"),
        pytest.param(read_map, "=shop", "item '=shop' is not key=value", id="map-no-key"),
        pytest.param(
            read_cidrs, "10.0.0.0/8,10.0.0.0/33", "'10.0.0.0/33' is not a CIDR", id="cidr"
        ),
        pytest.param(read_cidrs, "office", "'office' is not a CIDR", id="cidr-word"),
    ],
)
def test_bad_values_name_annotation_and_value(reader: Reader, raw: str, reason: str) -> None:
    with pytest.raises(InvalidAnnotation) as caught:
        reader({KEY: raw})
    error = caught.value
    assert error.message == f"annotation {KEY}={raw!r}: {reason}"
    assert (error.annotation, error.value) == (KEY, raw)
    assert error.field == f"metadata.annotations[{KEY}]"

"""The GCE side of the invariants: every resource attributed by its description's mark.

Where it sits: `chaos.invariants.check` calls `check_gce` with the Services' wishes
(`chaos.wants`) and the project's inventory (`chaos.inventory`). A resource belongs to the
Service its JSON description mark names, if the mark names this cluster; names are never used.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from chaos.inventory import GceInventory
from chaos.wants import Expect, Findings, Want


def mark_of(resource: dict[str, Any], cluster: str) -> str | None:
    """The Service key a resource's description mark names, if it is this cluster's."""
    try:
        mark = json.loads(resource.get("description") or "")
    except ValueError:
        return None
    if not isinstance(mark, dict) or mark.get("lbcontroller.io/cluster") != cluster:
        return None
    return str(mark.get("lbcontroller.io/service", "")) or None


def _by_key(items: list[dict[str, Any]], cluster: str) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        key = mark_of(item, cluster)
        if key is not None:
            out[key].append(item)
    return out


def _one(
    want: Want, kind: str, items: list[dict[str, Any]], found: Findings
) -> dict[str, Any] | None:
    if len(items) > 1:
        found.add("no_duplicates", want.key, f"{len(items)} {kind}: {[i['name'] for i in items]}")
    if not items:
        found.add("converged", want.key, f"no {kind}")
        return None
    return items[0]


def _gce_front(want: Want, rules: list[dict[str, Any]], found: Findings) -> None:
    protocols: dict[str, list[str]] = defaultdict(list)
    for port, proto, _ in want.ports:
        protocols[proto].append(str(port))
    actual = {r["IPProtocol"]: r for r in rules}
    if len(actual) != len(rules) or set(actual) != set(protocols):
        found.add(
            "converged", want.key, f"forwarding rules {sorted(actual)}, wanted {sorted(protocols)}"
        )
    scheme = "INTERNAL" if want.kind == "internal" else "EXTERNAL"
    for proto, rule in actual.items():
        ports = sorted(rule.get("ports") or ["all"], key=str)
        wanted = (
            sorted(protocols.get(proto, []), key=str)
            if len(protocols.get(proto, [])) <= 5
            else ["all"]
        )
        if proto in protocols and ports != wanted:
            found.add("converged", want.key, f"{proto} rule ports {ports}, wanted {wanted}")
        if rule.get("IPAddress") != want.address or rule.get("loadBalancingScheme") != scheme:
            found.add(
                "converged",
                want.key,
                f"{proto} rule on {rule.get('IPAddress')} {rule.get('loadBalancingScheme')}",
            )
        if proto not in protocols:
            found.add("no_leaks", want.key, f"stale {proto} forwarding rule {rule['name']}")


def _gce_firewalls(want: Want, walls: list[dict[str, Any]], found: Findings) -> None:
    if len(walls) != 2:
        found.add("converged", want.key, f"{len(walls)} firewall rules, wanted 2")
        return
    ports = sorted(str(p) for p, _, _ in want.ports)
    health = next((w for w in walls if w["name"].endswith("-hc")), walls[1])
    service = walls[0] if health is walls[1] else walls[1]
    allowed = sorted(p for a in service.get("allowed", []) for p in a.get("ports", []))
    if sorted(service.get("sourceRanges", [])) != list(want.ranges) or allowed != ports:
        found.add("converged", want.key, f"firewall {service.get('sourceRanges')} {allowed}")
    checked = [p for a in health.get("allowed", []) for p in a.get("ports", [])]
    if checked != [str(want.health_port)]:
        found.add(
            "converged", want.key, f"health firewall ports {checked}, wanted {want.health_port}"
        )
    for wall in walls:
        if wall.get("destinationRanges") != [f"{want.address}/32"]:
            found.add(
                "converged",
                want.key,
                f"firewall {wall['name']} towards {wall.get('destinationRanges')}",
            )


def _gce_service(want: Want, parts: dict[str, list[dict[str, Any]]], found: Findings) -> None:
    backend = _one(want, "backend service", parts["backends"], found)
    scheme = "INTERNAL" if want.kind == "internal" else "EXTERNAL"
    if backend is not None and backend.get("loadBalancingScheme") != scheme:
        found.add("converged", want.key, f"backend service is {backend.get('loadBalancingScheme')}")
    check = _one(want, "health check", parts["checks"], found)
    port = (check or {}).get("httpHealthCheck", {}).get("port")
    if check is not None and port != want.health_port:
        found.add("converged", want.key, f"health check port {port}, wanted {want.health_port}")
    address = _one(want, "address", parts["addresses"], found)
    if address is not None and address.get("address") != want.address:
        found.add(
            "converged", want.key, f"address {address.get('address')}, status says {want.address}"
        )
    _gce_front(want, parts["rules"], found)
    _gce_firewalls(want, parts["firewalls"], found)


def check_gce(wants: list[Want], inv: GceInventory, expect: Expect, found: Findings) -> None:
    """Every GCE invariant but the decoys'."""
    live = {w.key: w for w in wants if w.cloud == "gcp" and not w.refused}
    kinds = {
        "backends": inv.backends,
        "checks": inv.checks,
        "addresses": inv.addresses,
        "rules": inv.rules,
        "firewalls": inv.firewalls,
    }
    marked = {kind: _by_key(items, expect.cluster) for kind, items in kinds.items()}
    for want in live.values():
        _gce_service(want, {kind: marked[kind].get(want.key, []) for kind in kinds}, found)
    for kind, by_key in marked.items():
        for key, items in by_key.items():
            if key not in live:
                names = [i["name"] for i in items]
                found.add("no_leaks", key, f"{kind} {names} of a Service gone from GCP")
    if live:
        for zone, members in expect.gce_members.items():
            if inv.members.get(zone) != members:
                found.add(
                    "converged",
                    f"zone {zone}",
                    f"group members {sorted(inv.members.get(zone, []))}",
                )
    elif inv.groups:
        found.add("no_leaks", "cluster", f"instance groups left in {sorted(inv.groups)}")

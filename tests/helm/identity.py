"""Installing the chart's RBAC for real and acting as its ServiceAccount.

Where it sits: `test_rbac.py` applies the ServiceAccount, ClusterRole(Binding) and
Role(Binding) the chart renders, asks the API server for a token of that ServiceAccount
(TokenRequest) and builds a `KubeClient` that authenticates with it, as a pod of the
Deployment would in-cluster.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from devenv.state import EnvState
from lbcontroller.kube import KubeClient
from tests.helm.apply import JSON, KINDS, create, delete
from tests.support.tokens import token_client

RBAC_KINDS = ("ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding")


@dataclass(frozen=True)
class Identity:
    """The chart's ServiceAccount, installed, and a client acting as it."""

    namespace: str
    account: str
    client: KubeClient


@contextmanager
def installed_identity(
    kube: KubeClient, devenv: EnvState, objects: Sequence[JSON]
) -> Iterator[Identity]:
    """Create the chart's RBAC objects for real; delete the cluster-scoped ones afterwards."""
    made = [o for o in objects if o["kind"] in RBAC_KINDS]
    assert sorted(o["kind"] for o in made) == sorted(RBAC_KINDS)
    try:
        for obj in made:
            create(kube, obj)
        account = next(o for o in made if o["kind"] == "ServiceAccount")["metadata"]
        client = token_client(kube, devenv, account["namespace"], account["name"])
        yield Identity(account["namespace"], account["name"], client)
    finally:
        for obj in made:
            if not KINDS[(obj["apiVersion"], obj["kind"])][2]:
                delete(kube, obj)

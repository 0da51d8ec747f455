"""ServiceAccount tokens from the real API server (TokenRequest), and clients that use them."""

from __future__ import annotations

from kubernetes.client import Configuration

from devenv.state import EnvState
from lbcontroller.kube import KubeClient


def service_account_token(
    kube: KubeClient, namespace: str, account: str, *, seconds: int = 600
) -> str:
    """A fresh token of ServiceAccount `namespace/account`."""
    answer = kube.request(
        "POST",
        f"/api/v1/namespaces/{namespace}/serviceaccounts/{account}/token",
        body={"spec": {"expirationSeconds": seconds}},
    )
    return str(answer["status"]["token"])


def token_client(kube: KubeClient, devenv: EnvState, namespace: str, account: str) -> KubeClient:
    """A client authenticated by a fresh token of ServiceAccount `namespace/account`."""
    configuration = Configuration()
    configuration.host = devenv.env["KUBE_APISERVER"]
    configuration.ssl_ca_cert = f"{devenv.env['LBC_DEVENV_DIR']}/pki/ca.crt"
    configuration.api_key = {"BearerToken": service_account_token(kube, namespace, account)}
    configuration.api_key_prefix = {"BearerToken": "Bearer"}
    return KubeClient(configuration)

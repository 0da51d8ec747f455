"""An informer whose watch expires (410 Gone) relists and misses no change."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator

from devenv.state import EnvState
from lbcontroller.cache import Informer
from lbcontroller.kube import JSON, KubeClient, load_configuration
from lbcontroller.model import Service, service_from_json
from tests.devenv.test_apiserver import _etcd
from tests.support.harness import wait_for
from tests.support.objects import create_service, delete_service, patch_service


class GatedClient(KubeClient):
    """A real client whose watches wait at a gate, so a test can let history be compacted."""

    def __init__(self, kubeconfig: str) -> None:
        super().__init__(load_configuration(kubeconfig))
        self.gate = threading.Event()
        self.gate.set()
        self.waiting = threading.Event()

    def watch(
        self, path: str, *, resource_version: str, timeout_seconds: int = 300
    ) -> Iterator[JSON]:
        if not self.gate.is_set():
            self.waiting.set()
            self.gate.wait()
        yield from super().watch(
            path, resource_version=resource_version, timeout_seconds=timeout_seconds
        )


def test_expired_watch_relists_and_sees_every_change(
    kube: KubeClient, namespace: str, devenv: EnvState
) -> None:
    for name in ("keep", "drop"):
        create_service(kube, namespace, name, lb_class=None)
    client = GatedClient(devenv.env["KUBECONFIG"])
    seen: list[tuple[str | None, str | None]] = []
    informer: Informer[Service] = Informer(
        client=client,
        path=f"/api/v1/namespaces/{namespace}/services",
        parse=service_from_json,
        key=lambda s: s.key,
        on_change=lambda o, n: seen.append((o.name if o else None, n.name if n else None)),
        watch_timeout=1,
    )
    stop = threading.Event()
    thread = threading.Thread(target=informer.run, args=(stop,), daemon=True)
    thread.start()
    try:
        wait_for(informer.synced.is_set, what="the first list")
        client.gate.clear()
        wait_for(client.waiting.is_set, what="the watch to pause")
        patch_service(kube, namespace, "keep", {"metadata": {"labels": {"v": "2"}}})
        delete_service(kube, namespace, "drop")
        create_service(kube, namespace, "new", lb_class=None)
        header = _etcd(devenv, "kv/range", {"key": base64.b64encode(b"/").decode()})["header"]
        assert isinstance(header, dict)
        _etcd(devenv, "kv/compaction", {"revision": header["revision"], "physical": True})
        client.gate.set()
        wait_for(lambda: informer.relists == 2, what="a relist after 410")
        assert informer.expirations == 1
    finally:
        stop.set()
    assert sorted(s.name for s in informer.items()) == ["keep", "new"]
    assert ("drop", None) in seen
    assert (None, "new") in seen
    assert ("keep", "keep") in seen
    keep = informer.get(f"{namespace}/keep")
    assert keep is not None

"""`make demo`: the controller serving two clouds at once, on the local environment.

Where it sits: the README's first command. It brings up the environment (kube-apiserver, moto,
the GCE fake), seeds each cloud with a network and node instances, registers matching Nodes,
starts `lbcontroller run --config examples/multicloud.yaml`, creates Services of three classes
(AWS, GCP, and one nobody serves; with DEMO_OPENSTACK=1 also OpenStack, from
examples/multicloud-openstack.yaml), waits for addresses, prints what each cloud now holds, and
cleans up, or with DEMO_KEEP=1 leaves everything running and says how to reach it. It runs in
its own environment folder (`.devenv/demo`), so it never disturbs `make env-up` or the tests.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from devenv.demo_clouds import Cloud, seed_aws, seed_gce, seed_openstack
from devenv.env import down, up
from devenv.procs import EnvError, free_port, http_ok, start, stop, wait_ready
from devenv.state import state_dir
from lbcontroller.kube import KubeClient, NotFound, load_configuration
from lbcontroller.model import service_from_json

ROOT = Path(__file__).resolve().parent.parent
NAMESPACE = "demo"
UNSERVED = "example.com/other-controller"
SERVICES = {  # the demo's Services: name -> (class, ports)
    "shop": ("lbcontroller.io/aws", [("http", 80, "TCP"), ("https", 443, "TCP")]),
    "game": ("lbcontroller.io/gcp", [("play", 7777, "TCP"), ("voice", 7778, "UDP")]),
    "chat": ("lbcontroller.io/openstack", [("xmpp", 5222, "TCP"), ("stun", 3478, "UDP")]),
    "legacy": (UNSERVED, [("http", 80, "TCP")]),
}
DUAL_STACK = {"shop", "game", "chat"}  # Services asking for both IP families (ipFamilyPolicy)


def controller_argv(python: str, config: Path, kubeconfig: str, *extra: str) -> list[str]:
    """`lbcontroller run` with a config and a kubeconfig, as the demo and the tests start it."""
    run = [python, "-m", "lbcontroller.cli", "run", "--config", str(config)]
    return [*run, "--kubeconfig", kubeconfig, *extra]


def _say(text: str) -> None:
    print(f"==> {text}", flush=True)


def _kind(name: str) -> str:
    """A Service's class, and its families when it asks for both."""
    return SERVICES[name][0] + (", RequireDualStack" if name in DUAL_STACK else "")


def _nodes(kube: KubeClient, clouds: list[Cloud]) -> None:
    for cloud in clouds:
        for name, provider_id, ip in cloud.nodes:
            body = {
                "metadata": {"name": name, "labels": {"lbcontroller.io/cloud": cloud.name}},
                "spec": {"providerID": provider_id},
                "status": {"addresses": [{"type": "InternalIP", "address": ip}]},
            }
            kube.request("POST", "/api/v1/nodes", body=body)


def _services(kube: KubeClient, names: list[str]) -> None:
    kube.request("POST", "/api/v1/namespaces", body={"metadata": {"name": NAMESPACE}})
    for name in names:
        lb_class, ports = SERVICES[name]
        spec = {
            "type": "LoadBalancer",
            "loadBalancerClass": lb_class,
            "ports": [{"name": n, "port": p, "protocol": proto} for n, p, proto in ports],
        }
        if name in DUAL_STACK:
            spec["ipFamilyPolicy"] = "RequireDualStack"
        kube.request(
            "POST",
            f"/api/v1/namespaces/{NAMESPACE}/services",
            body={"metadata": {"name": name}, "spec": spec},
        )


def _addresses(kube: KubeClient, wanted: set[str], timeout: float) -> dict[str, str]:
    started = time.monotonic()
    deadline, found = started + timeout, dict[str, str]()
    while time.monotonic() < deadline and set(found) != wanted:
        for name in wanted - set(found):
            svc = service_from_json(
                kube.request("GET", f"/api/v1/namespaces/{NAMESPACE}/services/{name}")
            )
            if svc.ingress:
                found[name] = ", ".join(i.hostname or i.ip or "" for i in svc.ingress)
                _say(f"{name} got its address after {time.monotonic() - started:.1f} s")
        time.sleep(0.2)
    return found


def _table(names: list[str], addresses: dict[str, str], clouds: list[Cloud]) -> None:
    by_class = {cloud.lb_class: cloud for cloud in clouds}
    rows = [("SERVICE", "CLASS", "CLOUD", "ADDRESS", "CREATED THERE")]
    for name in names:
        cloud = by_class.get(SERVICES[name][0])
        address = addresses.get(name, "<pending> (no provider serves this class)")
        rows.append(
            (
                name,
                SERVICES[name][0],
                cloud.name if cloud else "-",
                address,
                cloud.holdings() if cloud else "-",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    print()
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[4]
        )
    print()


def _delete_services(kube: KubeClient, names: list[str], timeout: float = 90) -> None:
    for name in names:
        kube.request("DELETE", f"/api/v1/namespaces/{NAMESPACE}/services/{name}")
    deadline = time.monotonic() + timeout
    for name in names:
        while time.monotonic() < deadline:
            try:
                kube.request("GET", f"/api/v1/namespaces/{NAMESPACE}/services/{name}")
            except NotFound:
                break
            time.sleep(0.2)


def _seed(env: dict[str, str], *, openstack: bool) -> list[Cloud]:
    clouds: list[Cloud] = [seed_aws(env["AWS_ENDPOINT_URL"]), seed_gce(env["GCE_ENDPOINT_URL"])]
    if openstack:
        clouds.append(seed_openstack())
    return clouds


def run() -> int:
    """The demo; 0 when every served Service got an address and everything was cleaned up."""
    os.environ.setdefault("LBC_DEVENV_DIR", str(ROOT / ".devenv" / "demo"))
    os.environ.setdefault("LBC_ENV", "kube,moto,gcefake")  # DEMO_OPENSTACK=1 adds OpenStack
    keep, with_openstack = os.environ.get("DEMO_KEEP") == "1", wanted_openstack()
    down()  # a demo kept running earlier: start afresh
    _say(
        "starting the local environment (kube-apiserver, etcd, moto, GCE fake"
        + (", OpenStack)" if with_openstack else ")")
    )
    state = up()
    os.environ.update(state.env)
    kube = KubeClient(load_configuration(state.env["KUBECONFIG"]))
    _say("seeding the clouds: networks and node instances")
    clouds = _seed(state.env, openstack=with_openstack)
    _nodes(kube, clouds)
    config = (
        ROOT / "examples" / ("multicloud-openstack.yaml" if with_openstack else "multicloud.yaml")
    )
    metrics = f"127.0.0.1:{free_port()}"
    _say(f"starting lbcontroller run --config examples/{config.name}")
    env = {k: v for cloud in clouds for k, v in cloud.env().items()}
    controller = start(
        "demo-controller",
        controller_argv(sys.executable, config, state.env["KUBECONFIG"]),
        logs=state_dir() / "logs",
        env={**env, "DEMO_METRICS_ADDRESS": metrics, "PYTHONPATH": str(ROOT)},
    )
    state.procs.insert(0, controller)  # env-down stops it first
    state.save(state_dir())
    names = [
        n
        for n, (c, _) in SERVICES.items()
        if c == UNSERVED or any(c == cloud.lb_class for cloud in clouds)
    ]
    served = {n for n in names if SERVICES[n][0] != UNSERVED}
    try:
        wait_ready(controller, lambda: http_ok(f"http://{metrics}/readyz"), timeout=60)
        _say("creating Services: " + ", ".join(f"{n} ({_kind(n)})" for n in names))
        _services(kube, names)
        addresses = _addresses(kube, served, timeout=120)
        _table(names, addresses, clouds)
        if keep:
            _say(
                f"kept running. source {state_dir() / 'env.sh'}; then e.g. "
                f"kubectl get svc -n {NAMESPACE}; metrics: http://{metrics}/metrics; "
                f"controller log: {controller.log}; stop with `make demo-down`"
            )
            return 0 if set(addresses) == served else 1
        _say("cleaning up: deleting the Services (the controller deletes their load balancers)")
        _delete_services(kube, names)
        _say("left in the clouds: " + "; ".join(f"{c.name} {c.holdings()}" for c in clouds))
        return 0 if set(addresses) == served and all(c.empty() for c in clouds) else 1
    finally:
        if not keep:
            stop(controller)
            down()


def wanted_openstack() -> bool:
    """DEMO_OPENSTACK=1 (or an LBC_ENV naming openstack) adds the OpenStack cloud."""
    return os.environ.get("DEMO_OPENSTACK") == "1" or "openstack" in os.environ["LBC_ENV"]


def main() -> int:
    """Entry point with a one-line error for a missing prerequisite."""
    try:
        return run()
    except EnvError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

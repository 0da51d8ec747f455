"""`make demo`: the controller serving two clouds at once, on the local environment.

Where it sits: the README's first command. It brings up the environment (kube-apiserver, moto,
the GCE fake), seeds each cloud with a network and node instances, registers matching Nodes,
starts `lbcontroller run --config examples/multicloud.yaml`, creates Services of three classes
(AWS, GCP, and one nobody serves), waits for addresses, prints what each cloud now holds, and
cleans up, or with DEMO_KEEP=1 leaves everything running and says how to reach it. It runs in
its own environment folder (`.devenv/demo`), so it never disturbs `make env-up` or the tests.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from devenv.demo_clouds import AwsSeed, GceSeed, seed_aws, seed_gce
from devenv.env import down, up
from devenv.procs import EnvError, free_port, http_ok, start, stop, wait_ready
from devenv.state import state_dir
from lbcontroller.kube import KubeClient, NotFound, load_configuration
from lbcontroller.model import service_from_json

ROOT = Path(__file__).resolve().parent.parent
NAMESPACE = "demo"
SERVICES = {
    "shop": ("lbcontroller.io/aws", [("http", 80, "TCP"), ("https", 443, "TCP")]),
    "game": ("lbcontroller.io/gcp", [("play", 7777, "TCP"), ("voice", 7778, "UDP")]),
    "legacy": ("example.com/other-controller", [("http", 80, "TCP")]),
}


def _say(text: str) -> None:
    print(f"==> {text}", flush=True)


def _nodes(kube: KubeClient, aws: AwsSeed, gce: GceSeed) -> None:
    machines = [("aws", name, pid, ip) for name, pid, ip in aws.nodes]
    machines += [("gcp", name, pid, ip) for name, pid, ip in gce.nodes]
    for cloud, name, provider_id, ip in machines:
        body = {
            "metadata": {"name": name, "labels": {"lbcontroller.io/cloud": cloud}},
            "spec": {"providerID": provider_id},
            "status": {"addresses": [{"type": "InternalIP", "address": ip}]},
        }
        kube.request("POST", "/api/v1/nodes", body=body)


def _services(kube: KubeClient) -> None:
    kube.request("POST", "/api/v1/namespaces", body={"metadata": {"name": NAMESPACE}})
    for name, (lb_class, ports) in SERVICES.items():
        spec = {
            "type": "LoadBalancer",
            "loadBalancerClass": lb_class,
            "ports": [{"name": n, "port": p, "protocol": proto} for n, p, proto in ports],
        }
        kube.request(
            "POST",
            f"/api/v1/namespaces/{NAMESPACE}/services",
            body={"metadata": {"name": name}, "spec": spec},
        )


def _addresses(kube: KubeClient, timeout: float) -> dict[str, str]:
    started = time.monotonic()
    deadline, found = started + timeout, dict[str, str]()
    wanted = {n for n, (c, _) in SERVICES.items() if not c.startswith("example.com")}
    while time.monotonic() < deadline and set(found) != wanted:
        for name in wanted - set(found):
            svc = service_from_json(
                kube.request("GET", f"/api/v1/namespaces/{NAMESPACE}/services/{name}")
            )
            if svc.ingress:
                found[name] = svc.ingress[0].hostname or svc.ingress[0].ip or ""
                _say(f"{name} got its address after {time.monotonic() - started:.1f} s")
        time.sleep(0.2)
    return found


def _table(addresses: dict[str, str], aws: AwsSeed, gce: GceSeed) -> None:
    holdings = {"lbcontroller.io/aws": aws.holdings(), "lbcontroller.io/gcp": gce.holdings()}
    clouds = {"lbcontroller.io/aws": "aws", "lbcontroller.io/gcp": "gcp"}
    rows = [("SERVICE", "CLASS", "CLOUD", "ADDRESS", "CREATED THERE")]
    rows += [
        (
            name,
            lb_class,
            clouds.get(lb_class, "-"),
            addresses.get(name, "<pending> (no provider serves this class)"),
            holdings.get(lb_class, "-"),
        )
        for name, (lb_class, _) in SERVICES.items()
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    print()
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[4]
        )
    print()


def _delete_services(kube: KubeClient, timeout: float = 60) -> None:
    for name in SERVICES:
        kube.request("DELETE", f"/api/v1/namespaces/{NAMESPACE}/services/{name}")
    deadline = time.monotonic() + timeout
    for name in SERVICES:
        while time.monotonic() < deadline:
            try:
                kube.request("GET", f"/api/v1/namespaces/{NAMESPACE}/services/{name}")
            except NotFound:
                break
            time.sleep(0.2)


def run() -> int:
    """The demo; 0 when both Services got addresses and everything was cleaned up."""
    os.environ.setdefault("LBC_DEVENV_DIR", str(ROOT / ".devenv" / "demo"))
    os.environ.setdefault("LBC_ENV", "kube,moto,gcefake")  # DEMO_OPENSTACK=1 adds OpenStack
    keep = os.environ.get("DEMO_KEEP") == "1"
    down()  # a demo kept running earlier: start afresh
    _say("starting the local environment (kube-apiserver, etcd, moto, GCE fake)")
    state = up()
    os.environ.update(state.env)
    kube = KubeClient(load_configuration(state.env["KUBECONFIG"]))
    _say("seeding the clouds: a VPC, subnets and 3 instances on AWS; 3 instances on GCE")
    aws, gce = seed_aws(state.env["AWS_ENDPOINT_URL"]), seed_gce(state.env["GCE_ENDPOINT_URL"])
    _nodes(kube, aws, gce)
    metrics = f"127.0.0.1:{free_port()}"
    _say("starting lbcontroller run --config examples/multicloud.yaml")
    controller = start(
        "demo-controller",
        [
            sys.executable,
            "-m",
            "lbcontroller.cli",
            "run",
            "--config",
            str(ROOT / "examples" / "multicloud.yaml"),
            "--kubeconfig",
            state.env["KUBECONFIG"],
        ],
        logs=state_dir() / "logs",
        env={**aws.env(), "DEMO_METRICS_ADDRESS": metrics, "PYTHONPATH": str(ROOT)},
    )
    state.procs.insert(0, controller)  # env-down stops it first
    state.save(state_dir())
    try:
        wait_ready(controller, lambda: http_ok(f"http://{metrics}/readyz"), timeout=60)
        _say("creating Services: shop (aws), game (gcp, TCP+UDP), legacy (another class)")
        _services(kube)
        addresses = _addresses(kube, timeout=90)
        _table(addresses, aws, gce)
        if keep:
            _say(
                f"kept running. source {state_dir() / 'env.sh'}; then e.g. "
                f"kubectl get svc -n {NAMESPACE}; metrics: http://{metrics}/metrics; "
                f"controller log: {controller.log}; stop with `make demo-down`"
            )
            return 0 if len(addresses) == 2 else 1
        _say("cleaning up: deleting the Services (the controller deletes their load balancers)")
        _delete_services(kube)
        _say(f"left in the clouds: aws {aws.holdings()}; gcp {gce.holdings()}")
        return 0 if len(addresses) == 2 and aws.empty() and gce.empty() else 1
    finally:
        if not keep:
            stop(controller)
            down()


def main() -> int:
    """Entry point with a one-line error for a missing prerequisite."""
    try:
        return run()
    except EnvError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

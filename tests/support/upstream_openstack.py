"""The real upstream openstack-cloud-controller-manager (cloud-provider-openstack, "CPO"), for the
tests that let it make load balancers which lbcontroller then takes over.

Where it sits: `scripts/build-upstream-openstack.sh` builds the binary once into the cache (`make
prereqs-upstream` runs it too); this module writes CPO's cloud.conf (credentials through the
devenv's clouds.yaml, `use-clouds`, so no password is written or logged; the VIP subnet; no
monitors, CPO's own default) and starts the manager with only its service controller, against
the real API server and the devenv's Keystone, Octavia and Neutron.
"""

from __future__ import annotations

from pathlib import Path

from devenv.procs import Proc, start, wait_ready

BUILD_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "build-upstream-openstack.sh"
STARTED = 'Started "service-lb-controller"'


def cloud_conf(os_env: dict[str, str], folder: Path) -> Path:
    """CPO's cloud.conf: the devenv cloud from clouds.yaml, load balancers on the VIP subnet."""
    path = folder / "cloud.conf"
    path.write_text(
        "[Global]\n"
        "use-clouds = true\n"
        f"clouds-file = {os_env['OS_CLIENT_CONFIG_FILE']}\n"
        f"cloud = {os_env['OS_CLOUD']}\n"
        "[LoadBalancer]\n"
        f"subnet-id = {os_env['OS_VIP_SUBNET_ID']}\n"
        "create-monitor = false\n"
    )
    return path


def service_controller(
    binary: str, os_env: dict[str, str], *, cluster: str, kubeconfig: str, logs: Path
) -> Proc:
    """CPO with only its service controller on (`--cluster-name=cluster`), started and ready."""
    argv = [
        binary,
        "--cloud-provider=openstack",
        f"--cloud-config={cloud_conf(os_env, logs)}",
        f"--kubeconfig={kubeconfig}",
        f"--cluster-name={cluster}",
        "--controllers=service",
        "--leader-elect=false",
        "--use-service-account-credentials=false",
        "--configure-cloud-routes=false",
        "--secure-port=0",
        "--webhook-secure-port=0",
        "--v=2",
    ]
    manager = start("openstack-ccm", argv, logs=logs)
    wait_ready(manager, lambda: STARTED in Path(manager.log).read_text(), timeout=60)
    return manager

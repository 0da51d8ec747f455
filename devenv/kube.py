"""The real control plane: etcd and kube-apiserver, built from Go modules, on loopback.

Where it sits: `devenv.__main__ up` calls `start_kube`, which builds (or finds cached) binaries
through `scripts/build-kube.sh`, makes certificates (`devenv.pki`), starts etcd and the API
server as envtest does (RBAC on, a service-account issuer, no kubelet), waits on `/readyz`, and
writes an admin kubeconfig.
"""

from __future__ import annotations

import base64
import shutil
import socket
import ssl
import time
from pathlib import Path

from devenv.pki import Pki, make_pki
from devenv.procs import EnvError, Proc, free_port, http_ok, run_script, start, stop, wait_ready

ROOT = Path(__file__).resolve().parent.parent
KUBE_VERSION = "v1.37.2"


def build_binaries() -> Path:
    """The folder holding kube-apiserver and etcd, building them on first use."""
    if shutil.which("go") is None:
        raise EnvError("the Go toolchain (go) is not installed; it builds kube-apiserver and etcd")
    return Path(run_script(ROOT / "scripts" / "build-kube.sh"))


def _etcd(bins: Path, state: Path) -> tuple[Proc, str]:
    client, peer = free_port(), free_port()
    url = f"http://127.0.0.1:{client}"
    proc = start(
        "etcd",
        [
            str(bins / "etcd"),
            f"--data-dir={state / 'etcd'}",
            f"--listen-client-urls={url}",
            f"--advertise-client-urls={url}",
            f"--listen-peer-urls=http://127.0.0.1:{peer}",
            f"--initial-advertise-peer-urls=http://127.0.0.1:{peer}",
            f"--initial-cluster=default=http://127.0.0.1:{peer}",
            "--unsafe-no-fsync",
            "--log-level=warn",
        ],
        logs=state / "logs",
    )
    wait_ready(proc, lambda: http_ok(f"{url}/health"), timeout=30)
    return proc, url


def _apiserver(bins: Path, state: Path, pki: Pki, etcd_url: str) -> tuple[Proc, str]:
    port = free_port()
    proc = start(
        "kube-apiserver",
        [
            str(bins / "kube-apiserver"),
            f"--etcd-servers={etcd_url}",
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            f"--secure-port={port}",
            "--endpoint-reconciler-type=none",
            f"--tls-cert-file={pki.serving_cert}",
            f"--tls-private-key-file={pki.serving_key}",
            f"--client-ca-file={pki.ca_cert}",
            "--authorization-mode=RBAC",
            "--service-account-issuer=https://kubernetes.default.svc",
            f"--service-account-key-file={pki.sa_pub}",
            f"--service-account-signing-key-file={pki.sa_key}",
            # dual-stack: IPv4 first (a Service with no ipFamilies is IPv4), IPv6 beside it
            "--service-cluster-ip-range=10.96.0.0/16,fd00:10:96::/112",
            "--disable-admission-plugins=ServiceAccount,TaintNodesByCondition",
            # tests compact etcd themselves and must then see 410 Gone: no automatic
            # compaction, and watches served from etcd rather than the watch cache
            "--etcd-compaction-interval=0",
            "--watch-cache=false",
            "--v=1",
        ],
        logs=state / "logs",
    )
    url = f"https://127.0.0.1:{port}"
    _wait_apiserver(proc, url, pki.ca_cert, pki.admin_cert, pki.admin_key)
    return proc, url


def _wait_apiserver(proc: Proc, url: str, ca: Path, cert: Path, key: Path) -> None:
    context = ssl.create_default_context(cafile=str(ca))
    context.load_cert_chain(str(cert), str(key))
    wait_ready(proc, lambda: http_ok(f"{url}/readyz", context=context), timeout=90)


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def restart_apiserver(state: Path, proc: Proc) -> Proc:
    """Stop the API server and start it again with the same argv (same port, same etcd, whose
    data stays); return the new process once /readyz answers."""
    flags = [a for a in proc.argv if a.startswith("--secure-port=")]
    if not flags:
        raise EnvError("the API server was recorded without its command line; cannot restart it")
    port = int(flags[0].split("=", 1)[1])
    stop(proc)
    deadline = time.monotonic() + 30  # its threads may still hold the port for a moment
    while not _port_free(port) and time.monotonic() < deadline:
        time.sleep(0.1)
    fresh = start(proc.name, proc.argv, logs=Path(proc.log).parent)
    pki = state / "pki"
    url = f"https://127.0.0.1:{port}"
    _wait_apiserver(fresh, url, pki / "ca.crt", pki / "admin.crt", pki / "admin.key")
    return fresh


def _b64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode()


def write_kubeconfig(path: Path, server: str, pki: Pki) -> None:
    """An admin kubeconfig with the certificates embedded."""
    path.write_text(
        f"""apiVersion: v1
kind: Config
clusters:
- name: devenv
  cluster:
    server: {server}
    certificate-authority-data: {_b64(pki.ca_cert)}
users:
- name: admin
  user:
    client-certificate-data: {_b64(pki.admin_cert)}
    client-key-data: {_b64(pki.admin_key)}
contexts:
- name: devenv
  context: {{cluster: devenv, user: admin}}
current-context: devenv
"""
    )
    path.chmod(0o600)


def start_kube(state: Path) -> tuple[list[Proc], dict[str, str]]:
    """Start etcd and the API server; return their processes and the env to export."""
    bins = build_binaries()
    pki = make_pki(state / "pki")
    shutil.rmtree(state / "etcd", ignore_errors=True)
    etcd, etcd_url = _etcd(bins, state)
    try:
        apiserver, url = _apiserver(bins, state, pki, etcd_url)
    except EnvError:
        stop(etcd)
        raise
    kubeconfig = state / "kubeconfig"
    write_kubeconfig(kubeconfig, url, pki)
    env = {"KUBECONFIG": str(kubeconfig), "ETCD_ENDPOINT": etcd_url, "KUBE_APISERVER": url}
    return [etcd, apiserver], env

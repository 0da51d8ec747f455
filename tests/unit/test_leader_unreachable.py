"""A Lease elector whose API server is unreachable reports failure; it never raises."""

from __future__ import annotations

import threading

from kubernetes.client import Configuration

from devenv.procs import free_port
from lbcontroller.kube import KubeClient, Unreachable
from lbcontroller.leader import LeaseElector


def _unreachable() -> KubeClient:
    configuration = Configuration()
    configuration.host = f"https://127.0.0.1:{free_port()}"  # nothing listens there
    configuration.verify_ssl = False
    return KubeClient(configuration)


def test_the_seam_turns_a_refused_connection_into_unreachable() -> None:
    try:
        _unreachable().request("GET", "/version", timeout=2)
    except Unreachable as exc:
        assert exc.status == 0
    else:
        raise AssertionError("a refused connection did not raise Unreachable")


def test_an_elector_without_an_api_server_fails_quietly() -> None:
    elector = LeaseElector(
        client=_unreachable(),
        namespace="default",
        name="l",
        identity="me",
        lease_duration=3,
        renew_deadline=0.2,
        retry_period=0.05,
    )
    assert elector.try_acquire_or_renew() is False
    assert elector.keep(threading.Event()) is False  # lost, reported, not raised
    elector.release()

"""Leader election on a coordination.k8s.io Lease, so only one replica writes.

Where it sits: the controller (`controller.Controller.run`) keeps its informers warm on every
replica but starts workers only after `LeaseElector.acquire` returns; `keep` renews until the
lease is lost (the controller then stops writing at once) or the process shuts down, when
`release` hands the Lease over without waiting for it to expire.
"""

from __future__ import annotations

import datetime
import logging
import threading
import time
from typing import Any

from lbcontroller.kube import KubeClient, KubeError, NotFound

log = logging.getLogger(__name__)
_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _stamp(moment: datetime.datetime) -> str:
    return moment.strftime(_FORMAT)


def _parse(stamp: str | None) -> datetime.datetime | None:
    if not stamp:
        return None
    return datetime.datetime.strptime(stamp, _FORMAT).replace(tzinfo=datetime.UTC)


class LeaseElector:
    """Acquires, renews and releases one Lease for `identity`."""

    def __init__(
        self,
        *,
        client: KubeClient,
        namespace: str,
        name: str,
        identity: str,
        lease_duration: float,
        renew_deadline: float,
        retry_period: float,
    ) -> None:
        self._client = client
        self._namespace = namespace
        self._name = name
        self.identity = identity
        self._duration = lease_duration
        self._deadline = renew_deadline
        self._period = retry_period

    def _spec(self, transitions: int) -> dict[str, Any]:
        now = _stamp(_now())
        return {
            "holderIdentity": self.identity,
            "leaseDurationSeconds": max(1, round(self._duration)),
            "acquireTime": now,
            "renewTime": now,
            "leaseTransitions": transitions,
        }

    def _expired(self, spec: dict[str, Any]) -> bool:
        renewed = _parse(spec.get("renewTime"))
        seconds = spec.get("leaseDurationSeconds") or 0
        return renewed is None or _now() > renewed + datetime.timedelta(seconds=seconds)

    def try_acquire_or_renew(self) -> bool:
        """One attempt; True while we hold the Lease."""
        try:
            lease = self._client.get_lease(self._namespace, self._name)
        except NotFound:
            body = {
                "metadata": {"name": self._name, "namespace": self._namespace},
                "spec": self._spec(0),
            }
            return self._write(lambda: self._client.create_lease(self._namespace, body))
        except KubeError as exc:  # unreachable or refused: not leading this round
            log.debug("lease read failed: %s", exc)
            return False
        spec = lease.get("spec", {})
        holder = spec.get("holderIdentity")
        if holder and holder != self.identity and not self._expired(spec):
            return False
        transitions = int(spec.get("leaseTransitions") or 0) + (holder != self.identity)
        new_spec = self._spec(transitions)
        if holder == self.identity:
            new_spec["acquireTime"] = spec.get("acquireTime") or new_spec["acquireTime"]
        lease["spec"] = new_spec
        return self._write(lambda: self._client.replace_lease(self._namespace, self._name, lease))

    @staticmethod
    def _write(call: Any) -> bool:
        try:
            call()
        except KubeError as exc:
            log.debug("lease write failed: %s", exc)
            return False
        return True

    def acquire(self, stop: threading.Event) -> bool:
        """Block until we lead (True) or `stop` is set (False)."""
        while not stop.is_set():
            if self.try_acquire_or_renew():
                log.info("became leader", extra={"identity": self.identity})
                return True
            stop.wait(self._period)
        return False

    def keep(self, stop: threading.Event) -> bool:
        """Renew until `stop` (True) or until renewals fail past the deadline (False: lost)."""
        last_ok = time.monotonic()
        while not stop.wait(self._period):
            if self.try_acquire_or_renew():
                last_ok = time.monotonic()
            elif time.monotonic() - last_ok > self._deadline:
                log.error("lost the lease", extra={"identity": self.identity})
                return False
        return True

    def release(self) -> None:
        """Give the Lease up now, if we hold it."""
        try:
            lease = self._client.get_lease(self._namespace, self._name)
            if lease.get("spec", {}).get("holderIdentity") != self.identity:
                return
            lease["spec"]["holderIdentity"] = None
            lease["spec"]["leaseDurationSeconds"] = 1
            lease["spec"]["renewTime"] = _stamp(_now())
            self._client.replace_lease(self._namespace, self._name, lease)
        except KubeError as exc:
            log.warning("could not release the lease: %s", exc)

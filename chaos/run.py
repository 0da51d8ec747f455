"""One chaos run from start to end: set up, drive the schedule, converge, check, report.

Where it sits: `chaos.__main__` builds `Options` and calls `run`; everything else is a
collaborator: `world` (environment, clouds, proxies, configs), `replicas` (the controller
processes), `schedule`, `driver` and `workload` (what happens), `inventory` and `invariants`
(the check), `selftest` (the check checked), `figures` (what is reported). The environment is
torn down at the end unless `keep` (and always on an interrupt).
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from chaos import decoys, selftest
from chaos.driver import Driver
from chaos.figures import assemble
from chaos.invariants import check
from chaos.inventory import read_aws, read_gce
from chaos.replicas import Replica, Replicas
from chaos.schedule import build
from chaos.settings import CLUSTER, NAMESPACE_PREFIX, Options, Size
from chaos.wants import Expect, Findings
from chaos.workload import Workload
from chaos.world import (
    World,
    bring_up,
    faults_off,
    faults_on,
    tear_down,
)
from devenv.demo_clouds import PROJECT, REGION, ZONES
from devenv.procs import Proc

log = logging.getLogger("chaos")
CHECK_PERIOD = 5.0


def _record(world: World, replica: Replica) -> None:
    """Keep the state record's controller entries current (so env-down stops them)."""
    proc = replica.proc
    if proc is None:
        return
    name = f"controller-{replica.slot}"
    stat = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
    entry = Proc(name=name, pid=proc.pid, started=int(stat[19]), log=str(replica.log))
    world.state.procs = [p for p in world.state.procs if p.name != name] + [entry]
    world.save()


def _expect(world: World) -> Expect:
    vpc = world.client("ec2").describe_vpcs(VpcIds=[world.vpc_id])["Vpcs"][0]
    return Expect(
        cluster=CLUSTER,
        aws_instances=world.aws_instances(),
        gce_members=world.gce_members(),
        node_group=world.aws.node_group,
        vpc_cidrs=(vpc["CidrBlock"],),
        baseline=world.baseline,
    )


def check_once(world: World, workload: Workload, expect: Expect) -> Findings:
    """Read everything and check every invariant."""
    services = workload.services(NAMESPACE_PREFIX)
    aws = read_aws(
        world.client("ec2"),
        world.client("elbv2"),
        world.client("elb"),
        cluster=CLUSTER,
        node_group=world.aws.node_group,
    )
    gce = read_gce(world.gce, project=PROJECT, region=REGION, zones=ZONES, cluster=CLUSTER)
    now = decoys.snapshot(world.decoys, world.client("elbv2"), world.gce)
    return check(services, aws, gce, now, expect)


def converge(
    world: World, workload: Workload, expect: Expect, timeout: float
) -> tuple[Findings, float | None, int]:
    """Check until every invariant holds or `timeout`; (findings, seconds or None, checks)."""
    started = time.monotonic()
    checks = 0
    while True:
        try:
            findings = check_once(world, workload, expect)
        except Exception as exc:  # a read failed: count it as not converged yet
            findings = Findings()
            findings.add("converged", "checker", f"could not read: {exc}"[:300])
        checks += 1
        elapsed = time.monotonic() - started
        if findings.ok:
            return findings, elapsed, checks
        if elapsed > timeout:
            return findings, None, checks
        log.info("not converged after %.0f s: %s", elapsed, _summary(findings))
        time.sleep(CHECK_PERIOD)


def _summary(findings: Findings) -> str:
    return ", ".join(f"{name} {len(found)}" for name, found in findings.by.items() if found)


def run(opts: Options) -> dict[str, Any]:
    """The whole run; the figures."""
    started = time.monotonic()
    steps = build(opts.size, opts.seed)
    world = bring_up(opts.folder, opts.size, seed=opts.seed)
    replicas = Replicas(
        kube=world.kube,
        kubeconfig=world.kubeconfig,
        configs=world.configs,
        ports=world.metrics,
        logs=opts.folder / "logs",
        on_start=lambda replica: _record(world, replica),
    )
    try:
        replicas.start_all()
        workload = Workload(world.kube)
        driver = Driver(world, replicas, workload)
        if driver.leader(wait=120.0) is None:
            raise RuntimeError("no replica became the leader within 120 s")
        faults_on(
            world,
            rate=opts.size.fault_rate,
            seed=opts.seed,
            everywhere=opts.drop_after_everywhere,
        )
        log.info("running %d steps over %.0f s", len(steps), opts.size.duration)
        workload_seconds = driver.run(steps)
        tallies = faults_off(world)
        log.info("faults off; waiting up to %.0f s to converge", opts.size.converge_timeout)
        expect = _expect(world)
        outcome = converge(world, workload, expect, opts.size.converge_timeout)
        times = (workload_seconds, time.monotonic() - started)
        figures = assemble(
            opts,
            world=world,
            replicas=replicas,
            driver=driver,
            outcome=outcome,
            times=times,
            tallies=tallies,
        )
        replicas.stop_all()
        figures["checker_self_test"] = selftest.plant_and_check(
            world, workload, lambda: check_once(world, workload, expect)
        )
    finally:
        replicas.stop_all()
        if not opts.keep:
            tear_down(world)
    figures["run"]["total_seconds"] = time.monotonic() - started
    return figures


def sized(size: Size, **overrides: Any) -> Size:
    """`size` with the command line's overrides (None: keep)."""
    return replace(size, **{k: v for k, v in overrides.items() if v is not None})

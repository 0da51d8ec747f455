"""Listing every load balancer this cluster owns, for the core's garbage collection.

Where it sits: the provider's `list_owned`. Both APIs are paged (capped in `Api.collect`) and
their tags read 20 resources a call; the ref is rebuilt from the ownership tags. Target groups
of ours whose load balancer is gone (a teardown cut short) are listed under their Service's
ref too, so that `gc` finds and deletes them.
"""

from __future__ import annotations

from lbcontroller.provider import OwnedLoadBalancer
from providers.aws import groups
from providers.aws.api import Api
from providers.aws.found import classic_tags, elbv2_tags
from providers.aws.tags import ref_from


def list_owned(api: Api, *, cluster: str) -> list[OwnedLoadBalancer]:
    """Our NLBs (cloud_id: ARN), classic ELBs (`elb/<name>`) and stray groups (`tg/<name>`)."""
    out = _nlbs(api, cluster) + _classics(api, cluster)
    listed = {item.ref for item in out}
    for item in _groups(api, cluster):
        if item.ref not in listed:
            listed.add(item.ref)
            out.append(item)
    return sorted(out, key=lambda item: (item.ref.service_key, item.cloud_id))


def _nlbs(api: Api, cluster: str) -> list[OwnedLoadBalancer]:
    nlbs = api.collect(api.elbv2.describe_load_balancers, "LoadBalancers", PageSize=400)
    names = {
        lb["LoadBalancerArn"]: lb["LoadBalancerName"] for lb in nlbs if lb["Type"] == "network"
    }
    out = []
    for arn, tags in elbv2_tags(api, sorted(names)).items():
        ref = ref_from(tags, cluster=cluster, name=names[arn])
        if ref is not None:
            out.append(OwnedLoadBalancer(ref=ref, cloud_id=arn))
    return out


def _classics(api: Api, cluster: str) -> list[OwnedLoadBalancer]:
    classics = api.collect(
        api.elb.describe_load_balancers, "LoadBalancerDescriptions", PageSize=400
    )
    out = []
    for name, tags in classic_tags(api, sorted(lb["LoadBalancerName"] for lb in classics)).items():
        ref = ref_from(tags, cluster=cluster, name=name)
        if ref is not None:
            out.append(OwnedLoadBalancer(ref=ref, cloud_id=f"elb/{name}"))
    return out


def _groups(api: Api, cluster: str) -> list[OwnedLoadBalancer]:
    names = {tg["TargetGroupArn"]: tg["TargetGroupName"] for tg in groups.every(api)}
    out = []
    for arn, tags in elbv2_tags(api, sorted(names)).items():
        ref = ref_from(tags, cluster=cluster)
        if ref is not None:
            out.append(OwnedLoadBalancer(ref=ref, cloud_id=f"tg/{names[arn]}"))
    return sorted(out, key=lambda item: item.cloud_id)

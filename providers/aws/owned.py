"""Listing every load balancer this cluster owns, for the core's garbage collection.

Where it sits: the provider's `list_owned`. Both APIs are paged (capped in `Api.collect`) and
their tags read 20 load balancers a call; the ref is rebuilt from the ownership tags.
"""

from __future__ import annotations

from lbcontroller.provider import OwnedLoadBalancer
from providers.aws.api import Api
from providers.aws.found import classic_tags, elbv2_tags
from providers.aws.tags import ref_from


def list_owned(api: Api, *, cluster: str) -> list[OwnedLoadBalancer]:
    """Our NLBs (cloud_id: ARN) and classic ELBs (cloud_id: `elb/<name>`)."""
    out = []
    nlbs = api.collect(api.elbv2.describe_load_balancers, "LoadBalancers", PageSize=400)
    names = {
        lb["LoadBalancerArn"]: lb["LoadBalancerName"] for lb in nlbs if lb["Type"] == "network"
    }
    for arn, tags in elbv2_tags(api, sorted(names)).items():
        ref = ref_from(tags, cluster=cluster, name=names[arn])
        if ref is not None:
            out.append(OwnedLoadBalancer(ref=ref, cloud_id=arn))
    classics = api.collect(
        api.elb.describe_load_balancers, "LoadBalancerDescriptions", PageSize=400
    )
    for name, tags in classic_tags(api, sorted(lb["LoadBalancerName"] for lb in classics)).items():
        ref = ref_from(tags, cluster=cluster, name=name)
        if ref is not None:
            out.append(OwnedLoadBalancer(ref=ref, cloud_id=f"elb/{name}"))
    return sorted(out, key=lambda item: (item.ref.service_key, item.cloud_id))

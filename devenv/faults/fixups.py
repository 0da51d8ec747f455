"""moto's answers made AWS's where the two differ for a controller that retries a half-done
create (the upstream aws-cloud-controller-manager does after a throttled call).

Where it sits: the fault proxy (`devenv.faultproxy`), when started with `aws_like`, hands each
answer of a forwarded ELBv2 call to `fix`, which may replace it; nothing else changes. Two
differences, each AWS's behaviour per the ELBv2 API Reference:
- DescribeTargetGroups with a LoadBalancerArn whose load balancer has no target group: AWS
  answers an empty list; moto answers 400 TargetGroupNotFound.
- CreateTargetGroup under a name that exists with the same settings: AWS answers the existing
  group ("If you attempt to create multiple target groups with the same settings, each call
  succeeds"); moto answers 400 DuplicateTargetGroupName. Settings compared here: protocol,
  port, VPC, target type.
- An NLB's DNS name: AWS's is `<name>-<id>.elb.<region>.amazonaws.com`; moto gives it the
  ALB's form, `<name>-1.<region>.elb.amazonaws.com`, which the upstream manager takes for a
  classic ELB's (it refuses to sync an NLB Service whose hostname ends `.elb.amazonaws.com`).
  (moto's ARNs say `loadbalancer/app/` for NLBs too; the answer's Type tells them apart.)
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from urllib.parse import parse_qs, urlencode

from devenv.faults.calls import CloudCall

XMLNS = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"
Exchange = Callable[[bytes], tuple[int, bytes] | None]  # a request body -> (status, body)
SAME = (("Protocol", "Protocol"), ("Port", "Port"), ("VpcId", "VpcId"))


def _form(body: bytes) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(body.decode("ascii"), keep_blank_values=True).items()}


def _field(xml: str, name: str) -> str:
    found = re.search(f"<{name}>([^<]*)</{name}>", xml)
    return found.group(1) if found else ""


def empty_groups() -> bytes:
    """AWS's answer to DescribeTargetGroups for a load balancer with no group."""
    return (
        f'<DescribeTargetGroupsResponse xmlns="{XMLNS}"><DescribeTargetGroupsResult>'
        "<TargetGroups/></DescribeTargetGroupsResult><ResponseMetadata>"
        f"<RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata></DescribeTargetGroupsResponse>"
    ).encode()


def _existing_group(form: dict[str, str], exchange: Exchange) -> bytes | None:
    """The CreateTargetGroup answer AWS gives when the same group exists, else None."""
    query = {"Action": "DescribeTargetGroups", "Version": form.get("Version", "")}
    query["Names.member.1"] = form.get("Name", "")
    got = exchange(urlencode(query).encode())
    if got is None or got[0] != 200:
        return None
    xml = got[1].decode()
    wanted = {**form, "TargetType": form.get("TargetType", "instance")}
    if any(_field(xml, tag) != wanted.get(key, "") for key, tag in SAME):
        return None
    if _field(xml, "TargetType") != wanted["TargetType"]:
        return None
    xml = xml.replace("DescribeTargetGroupsResponse", "CreateTargetGroupResponse")
    xml = xml.replace("DescribeTargetGroupsResult", "CreateTargetGroupResult")
    return re.sub(r"<NextMarker>[^<]*</NextMarker>", "", xml).encode()


_DNS = re.compile(r"<DNSName>(?P<name>[^<.]+)-1\.(?P<region>[a-z0-9-]+)\.elb\.amazonaws\.com<")
DESCRIBED = frozenset({"CreateLoadBalancer", "DescribeLoadBalancers"})


def nlb_dns_names(answer: bytes) -> bytes | None:
    """`answer` with each NLB's DNS name in AWS's form (None when there is none to change)."""
    xml = answer.decode()
    marker = "<LoadBalancerArn>"  # opens each load balancer's member, and only those
    parts = xml.split(marker)
    for i, part in enumerate(parts[1:], start=1):
        if "<Type>network</Type>" in part:
            parts[i] = _DNS.sub(r"<DNSName>\g<name>-1.elb.\g<region>.amazonaws.com<", part)
    fixed = marker.join(parts)
    return None if fixed == xml else fixed.encode()


def fix(
    call: CloudCall, body: bytes, status: int, answer: bytes, exchange: Exchange
) -> bytes | None:
    """AWS's answer (always 200) where moto's `answer` differs from it, else None."""
    if call.service != "elbv2":
        return None
    if status == 200:
        return nlb_dns_names(answer) if call.operation in DESCRIBED else None
    if status != 400:
        return None
    if call.operation == "DescribeTargetGroups" and b"TargetGroupNotFound" in answer:
        return empty_groups() if "LoadBalancerArn" in _form(body) else None
    if call.operation == "CreateTargetGroup" and b"DuplicateTargetGroupName" in answer:
        return _existing_group(_form(body), exchange)
    return None

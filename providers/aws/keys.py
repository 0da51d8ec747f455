"""The names of the Service annotations the AWS provider reads or refuses.

Where it sits: `options.parse_options` reads these; the README's AWS section documents them.
The names are cloud-provider-aws's wherever the meaning is the same.
"""

from __future__ import annotations

P = "service.beta.kubernetes.io/aws-load-balancer-"
TYPE, INTERNAL, SCHEME, SUBNETS = P + "type", P + "internal", P + "scheme", P + "subnets"
HC = P + "healthcheck-"
HC_PROTOCOL, HC_PORT, HC_PATH = HC + "protocol", HC + "port", HC + "path"
HC_INTERVAL, HC_TIMEOUT = HC + "interval", HC + "timeout"
HC_HEALTHY, HC_UNHEALTHY = HC + "healthy-threshold", HC + "unhealthy-threshold"
NODE_LABELS, PROXY_PROTOCOL = P + "target-node-labels", P + "proxy-protocol"
CROSS_ZONE = P + "cross-zone-load-balancing-enabled"
EXTRA_TAGS = P + "additional-resource-tags"
SECURITY_GROUPS, EXTRA_SECURITY_GROUPS = P + "security-groups", P + "extra-security-groups"
SSL_CERT, SSL_PORTS, BACKEND_PROTOCOL = P + "ssl-cert", P + "ssl-ports", P + "backend-protocol"
EIP_ALLOCATIONS, IDLE_TIMEOUT = P + "eip-allocations", P + "connection-idle-timeout"
UNSUPPORTED = tuple(
    P + name
    for name in (
        "access-log-enabled",
        "access-log-emit-interval",
        "access-log-s3-bucket-name",
        "access-log-s3-bucket-prefix",
        "connection-draining-enabled",
        "connection-draining-timeout",
        "ssl-negotiation-policy",
        "nlb-target-type",
        "private-ipv4-addresses",
        "ip-address-type",
        "target-group-attributes",
        "attributes",
    )
)
CLASSIC_ONLY = (
    SSL_CERT,
    SSL_PORTS,
    BACKEND_PROTOCOL,
    SECURITY_GROUPS,
    EXTRA_SECURITY_GROUPS,
    IDLE_TIMEOUT,
)
NLB_ONLY = (EIP_ALLOCATIONS,)
TRAFFIC_PORT = "traffic-port"

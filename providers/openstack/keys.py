"""The OpenStack provider's annotation names: cloud-provider-openstack's wherever the meaning is
the same.

Where it sits: read by `options.parse_options` and named in its errors; the README's
OpenStack section documents each one.
"""

from __future__ import annotations

P = "loadbalancer.openstack.org/"

INTERNAL = "service.beta.kubernetes.io/openstack-internal-load-balancer"
SUBNET_ID = P + "subnet-id"
NETWORK_ID = P + "network-id"
FLOATING_NETWORK_ID = P + "floating-network-id"
KEEP_FLOATING_IP = P + "keep-floatingip"
PROXY_PROTOCOL = P + "proxy-protocol"
LB_METHOD = P + "lb-method"
CONNECTION_LIMIT = P + "connection-limit"
TIMEOUT_CLIENT_DATA = P + "timeout-client-data"
TIMEOUT_MEMBER_CONNECT = P + "timeout-member-connect"
TIMEOUT_MEMBER_DATA = P + "timeout-member-data"
TIMEOUT_TCP_INSPECT = P + "timeout-tcp-inspect"
ENABLE_MONITOR = P + "enable-health-monitor"
MONITOR_DELAY = P + "health-monitor-delay"
MONITOR_TIMEOUT = P + "health-monitor-timeout"
MONITOR_MAX_RETRIES = P + "health-monitor-max-retries"
MONITOR_MAX_RETRIES_DOWN = P + "health-monitor-max-retries-down"
FLAVOR_ID = P + "flavor-id"
AVAILABILITY_ZONE = P + "availability-zone"
NODE_SELECTOR = P + "node-selector"
X_FORWARDED_FOR = P + "x-forwarded-for"  # only "false" is accepted

# cloud-provider-openstack's, refused here: silently ignoring them would build something else.
UNSUPPORTED = (
    P + "default-tls-container-ref",
    P + "load-balancer-id",
    P + "port-id",
    P + "member-subnet-id",
    P + "floating-subnet",
    P + "floating-subnet-id",
    P + "floating-subnet-tags",
    P + "class",
    P + "hostname",
)

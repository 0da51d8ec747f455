"""Config files of Keystone, Octavia and Neutron, rendered from the `Plan`.

Where it sits: `devenv.openstack_parts.keystone`, `.octavia` and `.neutron` write these (mode
0600: they hold passwords) under `.devenv/openstack/<service>/` before starting anything. The
settings follow the facts in shared/notes/test-backends.md: fernet tokens with cheap password
hashing; Octavia's amphora provider with every no-op backend (the network one makes real VIP
ports, see in_venv/vip_ports.py), jobboard off and the no-op cert manager; Neutron's ML2 with
flat and vxlan types, no mechanism drivers, no workers, no agents.
"""

from __future__ import annotations

import secrets

from devenv.openstack_parts.certs import OctaviaCa
from devenv.openstack_parts.plan import REGION, Plan

# Octavia needs some value for these even with no-op compute and network drivers.
_AMP_NETWORK = "6c4f3e05-0f5e-4bd2-9c39-000000000001"


def _authtoken(plan: Plan, user: str, password: str) -> str:
    """keystonemiddleware's section (also reused as Octavia's [service_auth])."""
    return f"""auth_url = {plan.keystone_url}
auth_type = password
username = {user}
password = {password}
project_name = service
user_domain_name = Default
project_domain_name = Default
region_name = {REGION}
"""


def keystone_conf(plan: Plan) -> str:
    """keystone.conf: MariaDB, fernet tokens, bcrypt at its cheapest (4 rounds), and an
    in-process cache (one gunicorn worker, so it stays coherent)."""
    folder = plan.dir("keystone")
    return f"""[DEFAULT]
debug = false
use_stderr = true
[database]
connection = {plan.db_url("keystone")}
[token]
provider = fernet
expiration = 86400
[fernet_tokens]
key_repository = {folder / "fernet-keys"}
[fernet_receipts]
key_repository = {folder / "fernet-keys"}
[credential]
key_repository = {folder / "credential-keys"}
[identity]
password_hash_rounds = 4
[cache]
enabled = true
backend = dogpile.cache.memory
"""


def octavia_conf(plan: Plan, ca: OctaviaCa) -> str:
    """octavia.conf for both the API and the worker."""
    folder = plan.dir("octavia")
    return f"""[DEFAULT]
debug = false
use_stderr = true
transport_url = {plan.amqp_url}
[api_settings]
bind_host = 127.0.0.1
bind_port = {plan.octavia_port}
api_base_uri = {plan.octavia_url}
auth_strategy = keystone
enabled_provider_drivers = amphora:The Octavia Amphora driver (no-op backends).
default_provider_driver = amphora
[database]
connection = {plan.db_url("octavia")}
pool_timeout =
[keystone_authtoken]
www_authenticate_uri = {plan.keystone_url}
service_token_roles_required = true
{_authtoken(plan, "octavia", plan.octavia_password)}
[service_auth]
{_authtoken(plan, "octavia", plan.octavia_password)}
[controller_worker]
workers = 1
loadbalancer_topology = SINGLE
network_driver = lbc_vip_ports
compute_driver = compute_noop_driver
amphora_driver = amphora_noop_driver
image_driver = image_noop_driver
volume_driver = volume_noop_driver
distributor_driver = distributor_noop_driver
amp_boot_network_list = {_AMP_NETWORK}
amp_image_tag = amphora
amp_flavor_id = 1
client_ca = {ca.ca_cert}
[certificates]
cert_manager = noop_cert_manager
cert_generator = local_cert_generator
ca_certificate = {ca.ca_cert}
ca_private_key = {ca.ca_key}
ca_private_key_passphrase = {ca.passphrase}
[haproxy_amphora]
client_cert = {ca.client_pem}
server_ca = {ca.ca_cert}
[health_manager]
heartbeat_key = {secrets.token_hex(16)}
[task_flow]
jobboard_enabled = False
[oslo_messaging]
topic = octavia_prov
[oslo_concurrency]
lock_path = {folder / "locks"}
"""


def neutron_conf(plan: Plan) -> str:
    """neutron.conf (with the ML2 sections in the same file)."""
    folder = plan.dir("neutron")
    paste = plan.venv("neutron") / "etc" / "neutron" / "api-paste.ini"
    return f"""[DEFAULT]
debug = false
use_stderr = true
host = lbc-devenv
bind_host = 127.0.0.1
bind_port = {plan.neutron_port}
core_plugin = ml2
service_plugins = router
auth_strategy = keystone
transport_url = {plan.amqp_url}
api_paste_config = {paste}
state_path = {folder / "state"}
api_workers = 0
rpc_workers = 0
rpc_state_report_workers = 0
notify_nova_on_port_status_changes = false
notify_nova_on_port_data_changes = false
allow_overlapping_ips = true
[database]
connection = {plan.db_url("neutron")}
[keystone_authtoken]
www_authenticate_uri = {plan.keystone_url}
service_token_roles_required = true
{_authtoken(plan, "neutron", plan.neutron_password)}
[oslo_concurrency]
lock_path = {folder / "locks"}
[ml2]
type_drivers = flat,vxlan
tenant_network_types = vxlan
mechanism_drivers =
extension_drivers = port_security
[ml2_type_flat]
flat_networks = public
[ml2_type_vxlan]
vni_ranges = 1:1000
"""

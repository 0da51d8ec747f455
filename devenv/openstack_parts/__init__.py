"""Pieces of the OpenStack component of the local environment (`devenv.openstack`).

Where it sits: `devenv.openstack.start_openstack` composes these: `mariadb` and `rabbitmq`
(Debian's servers run as our own processes), `keystone`, `octavia` and `neutron` (PyPI releases,
each in its own venv made by `scripts/install-openstack.sh`), `configs` (their config files),
`rest` (a tiny JSON client for the set-up calls) and `certs` (Octavia's test CA). The two
scripts in `in_venv/` run inside the service venvs, not in ours.
"""

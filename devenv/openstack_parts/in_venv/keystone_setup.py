"""Keystone's one-time set-up (keystone-manage db_sync, fernet_setup, credential_setup,
bootstrap) in a single process, run by the Keystone venv's Python.

Where it sits: `devenv.openstack_parts.keystone` runs
`<venv>/bin/python keystone_setup.py CONFIG PUBLIC_URL` with the admin password in
OS_BOOTSTRAP_PASSWORD (never on the command line). Each keystone-manage call costs seconds of
imports; running the four sub-commands through one import of keystone's CLI saves most of
that. It imports nothing from the project.
"""

from __future__ import annotations

import grp
import importlib
import os
import pwd
import sys


def main(config: str, public_url: str) -> None:
    """Run the four sub-commands against `config`, in order."""
    cli = importlib.import_module("keystone.cmd.cli")
    conf = importlib.import_module("keystone.conf").CONF
    user = pwd.getpwuid(os.getuid()).pw_name
    group = grp.getgrgid(os.getgid()).gr_name
    owner = ["--keystone-user", user, "--keystone-group", group]
    steps = [
        ["db_sync"],
        ["fernet_setup", *owner],
        ["credential_setup", *owner],
        [
            "bootstrap",
            "--bootstrap-admin-url",
            public_url,
            "--bootstrap-public-url",
            public_url,
            "--bootstrap-internal-url",
            public_url,
            "--bootstrap-region-id",
            "RegionOne",
        ],
    ]
    for step in steps:
        conf.clear()
        cli.main(argv=["keystone-manage", "--config-file", config, *step])
        print(f"keystone_setup: {step[0]} done", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

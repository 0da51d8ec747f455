"""Scripts run by the OpenStack services' own venvs (never imported by the project's code).

Where it sits: this folder is put on the service's `sys.path` (gunicorn `--pythonpath`, or as
the script's own folder), so it must hold nothing named like a service package; the
project-side modules (`keystone.py`, `octavia.py`, ...) live one level up for that reason.
"""

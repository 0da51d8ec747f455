"""Tests of the Helm chart in helm/lbcontroller: rendering, schema, server-side dry run, RBAC."""

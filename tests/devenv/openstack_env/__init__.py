"""Integration tests of the OpenStack stack env-up starts (LBC_ENV=...,openstack)."""

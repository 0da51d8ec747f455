"""Tests of the OpenStack provider: options (pure) and the verbs against the real Octavia."""

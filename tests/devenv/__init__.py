"""Tests of the local environment itself (the API server, the stand-ins, the fault proxy, the
prerequisites), not of the product."""

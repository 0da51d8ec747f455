"""Unit tests of the pure core: no server, no cloud, no network beyond the loopback."""

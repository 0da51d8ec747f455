"""Local development environment helpers (fakes and stand-ins for the real clouds)."""

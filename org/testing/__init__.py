"""Fakes of outside systems for tests and local runs (never imported by production code)."""

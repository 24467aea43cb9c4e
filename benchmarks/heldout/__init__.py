"""Linkage quality on data this project did not generate (see docs/benchmarks.md)."""

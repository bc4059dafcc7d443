"""Benchmarks of pressearch: run from the repository root, never imported by the package."""

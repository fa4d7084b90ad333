"""Benchmarks that print figures (never timed assertions in tests); see bench/README.md."""

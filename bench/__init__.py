"""Benchmarks of supplylake (not part of the installed package); see bench/REPORT.md."""

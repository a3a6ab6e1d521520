"""Microbenchmarks of hot-path pieces, in process (no Kafka): run one with ``python -m bench.micro.NAME``."""

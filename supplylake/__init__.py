"""supplylake: real-time supply-chain visibility, from Kafka topics to Iceberg tables."""

__version__ = "0.1.0"

"""The Kafka API: the embedded Tansu broker for one machine, or any real Kafka by configuration."""

from supplylake.broker.connection import BrokerConnection, connect
from supplylake.broker.embedded import BrokerError, BrokerNotFound, BrokerStartFailed, EmbeddedBroker

__all__ = [
    "BrokerConnection",
    "BrokerError",
    "BrokerNotFound",
    "BrokerStartFailed",
    "EmbeddedBroker",
    "connect",
]

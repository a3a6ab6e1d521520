"""Which Kafka to talk to: the configured one, a detached embedded one, or a fresh embedded one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from confluent_kafka.admin import AdminClient

from supplylake.broker.embedded import BrokerError, EmbeddedBroker, read_detached, wait_ready
from supplylake.settings import Settings


@dataclass(frozen=True)
class BrokerConnection:
    """Everything a client needs: where the broker is, who it is, how to authenticate."""

    bootstrap: str
    cluster_id: str
    embedded: bool
    # Holds the SASL password: kept out of repr, so a logged or printed connection shows none.
    client_config: dict[str, str] = field(default_factory=dict, repr=False)

    def config(self, **extra: object) -> dict[str, object]:
        """librdkafka config for a client of this broker."""
        return {"bootstrap.servers": self.bootstrap, **self.client_config, **extra}

    def admin(self) -> AdminClient:
        return AdminClient(self.config())


def cluster_id_of(bootstrap: str, client_config: dict[str, str], timeout_s: float = 10.0) -> str:
    """The broker's cluster id: the lake's offset ledger is keyed by it."""
    admin = AdminClient({"bootstrap.servers": bootstrap, **client_config})
    try:
        metadata = admin.list_topics(timeout=timeout_s)
    except Exception as exc:
        raise BrokerError(
            f"cannot reach Kafka at {bootstrap} ({exc})",
            hint="check SUPPLYLAKE_KAFKA_BROKERS and the security settings, or unset it to use the embedded broker",
        ) from None
    if not metadata.cluster_id:
        raise BrokerError(
            f"Kafka at {bootstrap} reports no cluster id",
            hint="exactly-once into the lake keys offsets by cluster id; use a broker that reports one",
        )
    return str(metadata.cluster_id)


class BrokerReplaced(BrokerError):
    """The broker now answering is not the one a pipeline's offsets belong to."""

    def __init__(self, message: str, *, hint: str | None = None, answering: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.answering = answering


def broker_replaced(answering: str | None, started_on: str) -> BrokerReplaced:
    """The one error a pipeline stops with when the broker changed under it."""
    return BrokerReplaced(
        f"the broker now answering has cluster id {answering}, this pipeline started on {started_on}: "
        "the broker was restarted empty or replaced; nothing more was written under the old one",
        hint="restart the pipeline (the supervisor does): it starts a new epoch, seeded from the lake, "
        "and reads the new broker's topics from their start",
        answering=answering,
    )


def check_still_answering(connection: BrokerConnection, timeout_s: float = 10.0) -> None:
    """Raise :class:`BrokerReplaced` when another cluster answers at ``connection``'s address.

    Raises :class:`BrokerError` when none answers (then nothing can be said about a replacement).
    """
    answering = cluster_id_of(connection.bootstrap, connection.client_config, timeout_s)
    if answering != connection.cluster_id:
        raise broker_replaced(answering, connection.cluster_id)


@contextmanager
def connect(settings: Settings, *, start_embedded: bool = True) -> Iterator[BrokerConnection]:
    """Yield a connection; an embedded broker started here is stopped on exit."""
    if settings.brokers:
        client_config = settings.kafka.client_config()
        yield BrokerConnection(
            settings.brokers, cluster_id_of(settings.brokers, client_config), settings.kafka.embedded, client_config
        )
        return
    detached = read_detached(settings.data_dir)
    if detached is not None:
        wait_ready(detached.bootstrap, timeout_s=5.0)
        yield BrokerConnection(detached.bootstrap, detached.cluster_id, True)
        return
    if not start_embedded:
        raise BrokerError(
            "no broker is running for this data dir",
            hint="run `supplylake broker start`, or set SUPPLYLAKE_KAFKA_BROKERS=host:9092",
        )
    with EmbeddedBroker(settings.data_dir) as broker:
        yield BrokerConnection(broker.bootstrap, broker.cluster_id, True)

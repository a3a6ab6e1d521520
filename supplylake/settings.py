"""Configuration: one typed settings object read from ``SUPPLYLAKE_*`` environment variables.

Nested groups use ``__`` (``SUPPLYLAKE_TOPICS__INVENTORY=inv``). Anything wrong — an unknown
``SUPPLYLAKE_`` variable, a value of the wrong type — fails at start with one line naming the
variable and the fix, instead of surfacing as a confusing error deep inside a pipeline.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from supplylake.contracts.registry import FAMILIES, SOURCE_FAMILIES
from supplylake.errors import FatalError
from supplylake.redaction import MASK, looks_secret, mask_setting, redact_environment, secret_values

ENV_PREFIX = "SUPPLYLAKE_"


class ConfigError(FatalError):
    """The configuration cannot be used as given."""


class TopicSettings(BaseModel):
    """Topic names, one per source family, plus the derived topics the pipelines write.

    The defaults come from the family table (supplylake/contracts/registry.py); a field per
    source family is what makes ``SUPPLYLAKE_TOPICS__<FAMILY>`` a known setting.
    """

    inventory: str = FAMILIES["inventory"].default_topic
    orders: str = FAMILIES["orders"].default_topic
    shipments: str = FAMILIES["shipments"].default_topic
    suppliers: str = FAMILIES["suppliers"].default_topic
    sales: str = FAMILIES["sales"].default_topic
    signals: str = FAMILIES["signals"].default_topic
    alerts: str = "alerts"
    dead_letters: str = "dead-letters"
    partitions: int = Field(default=2, ge=1, le=256)
    replication_factor: int = Field(default=1, ge=1)
    retention_ms: int = Field(default=7 * 24 * 3600 * 1000, ge=-1)

    def for_family(self, family: str) -> str:
        if family not in SOURCE_FAMILIES:
            raise ConfigError(f"no topic is configured for event family {family!r}")
        return str(getattr(self, family))

    def source_topics(self) -> dict[str, str]:
        """Family name -> topic, for every source family producers write to."""
        return {family: self.for_family(family) for family in SOURCE_FAMILIES}


class KafkaSettings(BaseModel):
    """How to reach a real Kafka. Leave ``brokers`` empty to use the embedded broker."""

    brokers: str | None = None
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_ca_location: str | None = None
    consumer_group_prefix: str = "supplylake"
    # None = librdkafka's default (or a short one on the embedded broker, see pipelines/runtime.py).
    session_timeout_ms: int | None = Field(default=None, ge=500)
    # Set by supplylake for the processes it starts against its own embedded broker, so they
    # apply the Tansu workarounds; leave it false for a real Kafka.
    embedded: bool = False

    def client_config(self) -> dict[str, str]:
        """librdkafka settings for security (brokers are passed separately)."""
        config: dict[str, str] = {"security.protocol": self.security_protocol}
        if self.sasl_mechanism:
            config["sasl.mechanism"] = self.sasl_mechanism
        if self.sasl_username:
            config["sasl.username"] = self.sasl_username
        if self.sasl_password:
            config["sasl.password"] = self.sasl_password.get_secret_value()
        if self.ssl_ca_location:
            config["ssl.ca.location"] = self.ssl_ca_location
        return config


class CatalogSettings(BaseModel):
    """The Iceberg catalog. Empty ``properties`` = SqlCatalog on SQLite under the data dir."""

    name: str = "supplylake"
    namespace: str = "supplylake"
    # Passed to pyiceberg's load_catalog as-is, e.g. {"type": "rest", "uri": "http://..."}
    properties: dict[str, str] = Field(default_factory=dict)


class InventorySettings(BaseModel):
    """Thresholds of the inventory pipeline."""

    default_reorder_point: int = Field(default=100, ge=0)
    # Per-SKU overrides: SUPPLYLAKE_INVENTORY__REORDER_POINTS='{"SKU-1": 40}'
    reorder_points: dict[str, int] = Field(default_factory=dict)
    # Or a CSV reference table with columns sku,reorder_point (the simulator writes one).
    reorder_points_file: Path | None = None
    resolve_margin: int = Field(default=10, ge=0)
    allowed_lateness_s: int = Field(default=600, ge=0)
    dedupe_horizon_s: int = Field(default=24 * 3600, ge=60)


class ShipmentSettings(BaseModel):
    """Thresholds of the order and shipment pipelines."""

    delivery_grace_s: int = Field(default=1800, ge=0)
    no_tracking_update_s: int = Field(default=6 * 3600, ge=60)
    temperature_breach_min_s: int = Field(default=0, ge=0)
    route_deviation_km: float = Field(default=50.0, gt=0)
    allowed_skew_s: int = Field(default=300, ge=0)
    at_risk_window_s: int = Field(default=4 * 3600, ge=0)
    # Deadlines fire once the partition's max event time minus this has passed them, so an event
    # up to this much out of order is still applied before a deadline it would have met.
    allowed_lateness_s: int = Field(default=600, ge=0)
    # Live mode: wall-clock ticks into every shipments partition so deadlines fire on idle
    # partitions (0 = event time only; `supplylake run` always replays on event time only).
    tick_interval_s: float = Field(default=5.0, ge=0)
    # A tick fires deadlines up to its wall-clock time minus this (events still in flight).
    tick_holdback_s: float = Field(default=5.0, ge=0)
    # Recent eventIds remembered per shipment / order: a repeat among them is a duplicate.
    dedupe_window: int = Field(default=64, ge=1)
    # How often a running shipments pipeline looks for a newer late-delivery model (`supplylake train`).
    risk_model_refresh_s: float = Field(default=300.0, gt=0)


class SupplierSettings(BaseModel):
    """Definitions of the supplier pipeline's PO line facts and supplier metrics.

    Changing any of the first five changes the ``definition_version`` stamped on every PO line
    fact (pipelines/suppliers/definitions.py), so facts computed under different rules can be
    told apart.
    """

    # A line is due at promisedDate + this.
    late_tolerance_h: float = Field(default=0.0, ge=0)
    # In full when accepted >= ordered x (1 - this).
    quantity_tolerance: float = Field(default=0.0, ge=0, lt=1)
    # OVER (and PO_OVER) when received > ordered x (1 + this).
    over_tolerance: float = Field(default=0.0, ge=0)
    # PO_LATE / closing short at due + this.
    po_late_grace_h: float = Field(default=24.0, ge=0)
    # A receipt, ASN or rejection that arrives before its po.created waits this long (event time).
    hold_h: float = Field(default=72.0, ge=0)
    # SUPPLIER_SLIPPING: trailing OTIF below this, over at least slipping_min_lines due lines ...
    slipping_otif_threshold: float = Field(default=0.85, ge=0, le=1)
    slipping_min_lines: int = Field(default=10, ge=1)
    # ... and it ends only once OTIF is back at threshold + this.
    slipping_hysteresis: float = Field(default=0.05, ge=0, le=1)
    # The trailing window of the '30d' supplier metrics.
    metrics_window_days: int = Field(default=30, ge=1)


class DemandSettings(BaseModel):
    """Windows, forecasts and DEMAND_SPIKE of the demand pipeline (docs/demand.md)."""

    # A window is final once the partition's clock (max event time minus this; the end-of-replay
    # watermark; live, wall-clock ticks) passes its end; a later event is kept and flagged late.
    allowed_lateness_s: int = Field(default=3600, ge=0)
    # Holt-Winters (weekly seasonality) and TSB smoothing constants; see pipelines/demand/forecast.py.
    alpha: float = Field(default=0.2, gt=0, le=1)
    gamma: float = Field(default=0.1, gt=0, le=1)
    tsb_alpha: float = Field(default=0.1, gt=0, le=1)
    tsb_beta: float = Field(default=0.1, gt=0, le=1)
    horizon_days: int = Field(default=14, ge=1, le=90)
    # Days observed before a key gets a demand class (ADI/CV²) and the model that class chooses.
    min_days: int = Field(default=14, ge=7)
    # DEMAND_SPIKE: a day whose robust z-score against its forecast exceeds this ...
    spike_z: float = Field(default=3.5, gt=0)
    # ... with at least this many units that day.
    spike_min_units: int = Field(default=10, ge=1)
    # A key with no outbound units for this many days stops closing empty days until its next event.
    dormant_after_days: int = Field(default=28, ge=1)
    # Replenishment (`supplylake plan`): the target cycle service level the safety stock is for.
    service_level: float = Field(default=0.95, ge=0.5, lt=1)
    # The restock API: each suggestion POSTed once to this URL (none: suggestions stay in the lake).
    # A secret: webhook URLs often carry a token in their path or query.
    restock_webhook_url: SecretStr | None = None
    # Sent as `Authorization: Bearer <token>` when set.
    restock_webhook_token: SecretStr | None = None
    restock_webhook_attempts: int = Field(default=5, ge=1, le=20)
    restock_webhook_timeout_s: float = Field(default=10.0, gt=0)
    # `supplylake plan --watch` (what the live demo runs): how often it looks for changed inputs.
    plan_watch_interval_s: float = Field(default=2.0, gt=0)

    @field_validator("restock_webhook_url")
    @classmethod
    def _http_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(("http://", "https://")):
            raise ValueError("the restock webhook must be an http:// or https:// URL")
        return value


class LakeSettings(BaseModel):
    """How often the sink commits and how the lake keeps itself healthy."""

    # Bounded replay: a checkpoint (and lake commit) every commit_interval_s. Live: commits are
    # paced by load (pipelines/runtime.py, commit_pacing): after live_commit_records records, or
    # live_commit_interval_s after the previous commit when fewer arrive.
    commit_interval_s: float = Field(default=1.0, gt=0)
    live_commit_interval_s: float = Field(default=5.0, gt=0)
    live_commit_records: int = Field(default=5000, ge=1)
    maintain_every_commits: int = Field(default=100, ge=1)
    keep_last_snapshots: int = Field(default=100, ge=1)


class ChaosSettings(BaseModel):
    """Fault injection for the chaos suite (chaos/scenarios/sink_crash_points.py); off by default.

    With ``crash_at`` set, the ``crash_after_commits``-th lake commit attempt counted across every
    pipeline process on the data dir (a counter file under ``<data_dir>/chaos/``) fails at that
    instant, ``crashes`` times in all (every ``crash_after_commits`` attempts): ``before_commit``
    exits the process just before the catalog commit, ``after_commit`` right after the catalog
    accepted it (before Quix commits the Kafka offsets), ``unknown_outcome`` raises the error of
    a commit whose response was lost (it landed), ``pause_before_commit`` stops the process
    (SIGSTOP) just before the catalog commit until someone sends SIGCONT (a zombie). Never set
    it outside the chaos suite.
    """

    crash_at: Literal["before_commit", "after_commit", "unknown_outcome", "pause_before_commit"] | None = None
    crash_after_commits: int = Field(default=1, ge=1)
    crashes: int = Field(default=1, ge=1)


class Settings(BaseSettings):
    """Everything supplylake reads from the environment (prefix ``SUPPLYLAKE_``)."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
    )

    data_dir: Path = Path("data")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "WARNING"
    # "json": one JSON object per log line on stderr, for machines (the bench reads the sink's commits).
    log_format: Literal["text", "json"] = "text"
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    # Shorthand most people want: SUPPLYLAKE_KAFKA_BROKERS=host:9092
    kafka_brokers: str | None = None
    topics: TopicSettings = Field(default_factory=TopicSettings)
    catalog: CatalogSettings = Field(default_factory=CatalogSettings)
    inventory: InventorySettings = Field(default_factory=InventorySettings)
    shipments: ShipmentSettings = Field(default_factory=ShipmentSettings)
    suppliers: SupplierSettings = Field(default_factory=SupplierSettings)
    demand: DemandSettings = Field(default_factory=DemandSettings)
    lake: LakeSettings = Field(default_factory=LakeSettings)
    chaos: ChaosSettings = Field(default_factory=ChaosSettings)
    # Which pipelines this machine runs (and the orchestrator waits for), e.g.
    # SUPPLYLAKE_PIPELINES='["inventory","suppliers"]'; None: every pipeline of the catalog.
    pipelines: list[str] | None = None

    @field_validator("kafka_brokers")
    @classmethod
    def _brokers_look_like_hosts(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        for broker in value.split(","):
            host, _, port = broker.strip().rpartition(":")
            if not host or not port.isdigit():
                raise ValueError(f"expected host:port[,host:port...], got {broker.strip()!r}")
        return value

    @property
    def brokers(self) -> str | None:
        """The configured external brokers, or None when the embedded broker should run."""
        return self.kafka_brokers or self.kafka.brokers

    def with_data_dir(self, data_dir: Path | None) -> Settings:
        return self if data_dir is None else self.model_copy(update={"data_dir": data_dir})

    def masked(self) -> dict[str, Any]:
        """The effective configuration as plain data, secrets replaced by ``***``."""
        data = self.model_dump(mode="json")
        if self.kafka.sasl_password is not None:
            data["kafka"]["sasl_password"] = "***"  # noqa: S105 (the mask, not a password)
        # Catalog properties are free-form: masked by name, and URL passwords in any value.
        data["catalog"]["properties"] = {
            key: mask_setting(key, value) for key, value in self.catalog.properties.items()
        }
        return data

    def secrets(self) -> list[str]:
        """Every secret value configured, to mask wherever text may quote it (see redact)."""
        found = list(secret_values(self.catalog.properties))
        if self.kafka.sasl_password is not None:
            found.append(self.kafka.sasl_password.get_secret_value())
        return found


def _known_env_names() -> set[str]:
    names: set[str] = set()
    for name, field in Settings.model_fields.items():
        names.add(f"{ENV_PREFIX}{name.upper()}")
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            for sub in annotation.model_fields:
                names.add(f"{ENV_PREFIX}{name.upper()}__{sub.upper()}")
    return names


def _check_unknown_env(environ: dict[str, str]) -> None:
    known = _known_env_names()
    for key in sorted(environ):
        upper = key.upper()
        if not upper.startswith(ENV_PREFIX) or upper in known:
            continue
        # Catalog properties are free-form: SUPPLYLAKE_CATALOG__PROPERTIES__URI is fine.
        if upper.startswith(f"{ENV_PREFIX}CATALOG__PROPERTIES__"):
            continue
        close = difflib.get_close_matches(upper, known, n=1)
        hint = f"did you mean {close[0]}?" if close else "see `supplylake config show` for the names"
        raise ConfigError(f"unknown setting {key}", hint=hint)


def load_settings(**overrides: Any) -> Settings:
    """Read settings from the environment; raise ConfigError with one clear line on a problem."""
    _check_unknown_env(dict(os.environ))
    hint = "fix or unset the variable; `supplylake config show` prints the effective config"
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = "__".join(str(part) for part in error["loc"]).upper()
        got = MASK if looks_secret(loc) else repr(error.get("input"))
        # The value may be a whole group (SUPPLYLAKE_KAFKA='{...}') holding secrets.
        message = redact_environment(f"invalid setting {ENV_PREFIX}{loc}: {error['msg']} (got {got})")
        raise ConfigError(message, hint=hint) from None
    except SettingsError as exc:  # a JSON-valued variable that is not JSON
        raise ConfigError(redact_environment(str(exc)), hint=hint) from None

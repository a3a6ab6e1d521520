from __future__ import annotations

from pathlib import Path

import pytest

from supplylake.settings import ConfigError, load_settings


def test_defaults_use_embedded_broker_and_local_data_dir() -> None:
    settings = load_settings()
    assert settings.brokers is None
    assert settings.data_dir == Path("data")
    assert settings.topics.inventory == "inventory-events"
    assert settings.inventory.default_reorder_point == 100
    assert settings.inventory.allowed_lateness_s == 600


def test_env_overrides_nested_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPPLYLAKE_TOPICS__PARTITIONS", "6")
    monkeypatch.setenv("SUPPLYLAKE_INVENTORY__REORDER_POINTS", '{"SKU-1": 40}')
    monkeypatch.setenv("SUPPLYLAKE_KAFKA_BROKERS", "kafka-1:9092,kafka-2:9092")
    settings = load_settings()
    assert settings.topics.partitions == 6
    assert settings.inventory.reorder_points == {"SKU-1": 40}
    assert settings.brokers == "kafka-1:9092,kafka-2:9092"


def test_unknown_setting_fails_with_a_suggestion(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPPLYLAKE_TOPICS__PARTITION", "6")
    with pytest.raises(ConfigError) as info:
        load_settings()
    line = info.value.one_line()
    assert "SUPPLYLAKE_TOPICS__PARTITION" in line
    assert "did you mean SUPPLYLAKE_TOPICS__PARTITIONS" in line
    assert "\n" not in line


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("SUPPLYLAKE_TOPICS__PARTITIONS", "many", "SUPPLYLAKE_TOPICS__PARTITIONS"),
        ("SUPPLYLAKE_TOPICS__PARTITIONS", "0", "greater than or equal to 1"),
        ("SUPPLYLAKE_LOG_LEVEL", "LOUD", "SUPPLYLAKE_LOG_LEVEL"),
        ("SUPPLYLAKE_KAFKA_BROKERS", "no-port-here", "host:port"),
    ],
)
def test_invalid_values_fail_with_one_line(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert expected in info.value.one_line()
    assert "\n" not in info.value.one_line()


def test_masked_hides_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPPLYLAKE_KAFKA__SASL_PASSWORD", "hunter2")
    monkeypatch.setenv("SUPPLYLAKE_CATALOG__PROPERTIES__S3.SECRET-ACCESS-KEY", "abc123")
    monkeypatch.setenv("SUPPLYLAKE_CATALOG__PROPERTIES__URI", "http://catalog:8181")
    masked = load_settings().masked()
    assert masked["kafka"]["sasl_password"] == "***"
    assert "hunter2" not in str(masked) and "abc123" not in str(masked)
    assert masked["catalog"]["properties"]["uri"] == "http://catalog:8181"

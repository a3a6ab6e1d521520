"""What counts as a secret, and how text is masked before anyone sees it."""

from __future__ import annotations

import json

import pytest

from supplylake.redaction import MASK, environment_secrets, looks_secret, mask_url_passwords, redact
from supplylake.settings import ConfigError, load_settings


@pytest.mark.parametrize(
    "name",
    ["sasl_password", "s3.secret-access-key", "s3.access-key-id", "token", "credential", "header.Authorization",
     "adls.account-key", "adls.connection-string", "KAFKA__SASL_PASSWORD"],
)  # fmt: skip
def test_secret_names(name: str) -> None:
    assert looks_secret(name)


@pytest.mark.parametrize("name", ["uri", "warehouse", "sasl_username", "sasl_mechanism", "type", "s3.endpoint"])
def test_plain_names(name: str) -> None:
    assert not looks_secret(name)


def test_url_passwords_are_masked_wherever_they_are() -> None:
    text = "failed at postgresql://alice:s3cr3t@db:5432/lake and 'http://bob:pw%40x@host/api'"
    masked = mask_url_passwords(text)
    assert "s3cr3t" not in masked and "pw%40x" not in masked
    assert f"postgresql://alice:{MASK}@db:5432/lake" in masked
    assert mask_url_passwords("http://host:8181/v1") == "http://host:8181/v1"  # a port is not a password


def test_redact_masks_known_values_but_not_short_ones() -> None:
    assert redact("token abcdef and abc", ["abcdef", "abc"]) == f"token {MASK} and abc"


def test_environment_secrets_include_json_groups() -> None:
    environ = {
        "SUPPLYLAKE_KAFKA__SASL_PASSWORD": "one-secret",
        "SUPPLYLAKE_CATALOG__PROPERTIES": json.dumps({"uri": "http://u:two-secret@h/x", "token": "three-secret"}),
        "SUPPLYLAKE_CATALOG__PROPERTIES__S3.SECRET-ACCESS-KEY": "four-secret",
        "HOME": "/root",
    }
    assert set(environment_secrets(environ)) == {"one-secret", "two-secret", "three-secret", "four-secret"}


def test_a_bad_group_value_is_reported_without_its_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPPLYLAKE_KAFKA", json.dumps({"sasl_password": "very-secret-1", "session_timeout_ms": 1}))
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert "very-secret-1" not in caught.value.one_line()
    monkeypatch.setenv("SUPPLYLAKE_KAFKA", '{"sasl_password": "very-secret-1", broken')
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert "very-secret-1" not in caught.value.one_line()

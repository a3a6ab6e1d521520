"""Secrets never leave the process: the one place that knows what a secret looks like and masks it.

A setting is secret when its name says so (:func:`looks_secret`: ``sasl_password``,
``s3.secret-access-key``, ``token``, ``header.Authorization``…), and the password of any URL with
user info is secret wherever it appears (``postgresql://user:PASSWORD@host/db``). ``config show``
masks settings with :func:`mask_setting`; error messages that may quote a library's words go
through :func:`redact` (or :func:`redact_environment` when only the environment is at hand, as in
the CLI's last-resort error printer), which replaces every known secret value and every URL
password by :data:`MASK`.

Imports nothing of ours, so every layer can use it.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

MASK = "***"
ENV_PREFIX = "SUPPLYLAKE_"

# Words in a setting's or property's name that make its value a secret (lower case).
_SECRET_NAME_WORDS = (
    "secret",
    "password",
    "passwd",
    "token",
    "credential",
    "key-id",
    "key_id",
    "access-key",
    "access_key",
    "account-key",
    "account_key",
    "private-key",
    "private_key",
    "api-key",
    "api_key",
    "apikey",
    "authorization",
    "connection-string",
    "connection_string",
    "signature",
    "webhook_url",  # webhook URLs often carry a token in their path or query
)

# scheme://user:password@host — the password part (the user name is shown).
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-z][a-z0-9+.-]*://[^\s/:@'\"]*:)(?P<password>[^\s@/'\"]+)(?=@)", re.I)

# Shorter values are not masked inside other text: "abc" would mask every "abc" in a message.
_MIN_REDACTED_LENGTH = 4


def looks_secret(name: str) -> bool:
    """Whether a setting or catalog property named ``name`` holds a secret."""
    lowered = name.lower()
    return any(word in lowered for word in _SECRET_NAME_WORDS)


def mask_url_passwords(text: str) -> str:
    """``postgresql://user:pw@host/db`` → ``postgresql://user:***@host/db``, anywhere in ``text``."""
    return _URL_PASSWORD.sub(lambda match: f"{match['head']}{MASK}", text)


def mask_setting(name: str, value: str) -> str:
    """How a setting is shown: :data:`MASK` for a secret, its URL passwords masked otherwise."""
    return MASK if looks_secret(name) else mask_url_passwords(value)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every value of ``secrets`` and every URL password replaced by :data:`MASK`."""
    for secret in sorted({s for s in secrets if len(s) >= _MIN_REDACTED_LENGTH}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return mask_url_passwords(text)


def secret_values(settings: Mapping[str, Any]) -> Iterator[str]:
    """Secret values in nested settings data (names checked with :func:`looks_secret`)."""
    for name, value in settings.items():
        if isinstance(value, Mapping):
            yield from secret_values(value)
        elif value is not None and looks_secret(str(name)):
            yield str(value)
        elif isinstance(value, str):
            yield from (match["password"] for match in _URL_PASSWORD.finditer(value))


def environment_secrets(environ: Mapping[str, str]) -> Iterator[str]:
    """Secret values in ``SUPPLYLAKE_*`` variables, also inside JSON-valued groups."""
    for key, value in environ.items():
        upper = key.upper()
        if not upper.startswith(ENV_PREFIX):
            continue
        if looks_secret(upper.removeprefix(ENV_PREFIX)):
            yield value
            continue
        yield from (match["password"] for match in _URL_PASSWORD.finditer(value))
        if value.lstrip().startswith("{"):
            try:
                parsed = json.loads(value)
            except ValueError:
                continue
            if isinstance(parsed, dict):
                yield from secret_values(parsed)


def redact_environment(text: str, environ: Mapping[str, str] | None = None) -> str:
    """``text`` with the secrets of the ``SUPPLYLAKE_*`` environment masked."""
    return redact(text, environment_secrets(os.environ if environ is None else environ))

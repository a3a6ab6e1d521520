"""Open the Iceberg catalog the lake lives in.

Any pyiceberg catalog type works (``sql``, ``rest``, ``glue``…): the properties come from
configuration and go to :func:`pyiceberg.catalog.load_catalog` unchanged. The embedded default is
a SQLite ``SqlCatalog`` with a local ``file://`` warehouse, so one machine needs no services; a
``sql`` catalog is opened as :class:`~supplylake.lake.sql_catalog.MetadataCachingSqlCatalog`.

This module imports no stream-processing code on purpose: ``supplylake sql``, the dashboard and the
reports open the catalog through :func:`catalog_for` without loading Quix Streams (a test checks).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from pyiceberg.catalog import Catalog, load_catalog

from supplylake.errors import SupplylakeError
from supplylake.lake.errors import CatalogUnavailable
from supplylake.lake.sql_catalog import MetadataCachingSqlCatalog, is_plain_sql_catalog
from supplylake.redaction import mask_url_passwords, redact, secret_values
from supplylake.settings import Settings

NAMESPACE = "supplylake"


def default_catalog_properties(data_dir: Path) -> dict[str, str]:
    """Catalog properties for the embedded lake under ``<data_dir>/lake`` (directories are created).

    - ``<data_dir>/lake/catalog.db``: the SQLite catalog (table name → current metadata file).
    - ``<data_dir>/lake/warehouse``: metadata and data files.
    """
    lake = data_dir.expanduser().resolve() / "lake"
    warehouse = lake / "warehouse"
    warehouse.mkdir(parents=True, exist_ok=True)
    # Plain "file://" + path, not Path.as_uri(): pyiceberg does not percent-decode warehouse URIs.
    return {
        "type": "sql",
        "uri": f"sqlite:///{lake / 'catalog.db'}",
        "warehouse": f"file://{warehouse}",
    }


def open_catalog(name: str, properties: Mapping[str, str], *, namespace: str = NAMESPACE) -> Catalog:
    """Load the catalog ``name`` from ``properties`` and make sure ``namespace`` exists."""
    props = dict(properties)
    secrets = list(secret_values(props))
    try:
        with _warnings_redacted(secrets):
            catalog = (
                MetadataCachingSqlCatalog(name, **props) if is_plain_sql_catalog(props) else load_catalog(name, **props)
            )
            try:
                catalog.create_namespace_if_not_exists(namespace)
            except Exception:
                # Pipelines start together on a fresh lake: SqlCatalog checks, then inserts, so the
                # loser of that race gets SQLite's IntegrityError instead of "already exists".
                if not catalog.namespace_exists(namespace):
                    raise
    except SupplylakeError:
        raise
    except Exception as exc:
        # Drivers and HTTP clients quote URIs and headers: say what failed with secrets masked,
        # and drop the chain so no traceback prints the unmasked original.
        where = mask_url_passwords(props.get("uri", props.get("warehouse", "?")))
        raise CatalogUnavailable(
            f"cannot open the Iceberg catalog {name!r} ({props.get('type', 'sql')} at {where}): "
            f"{redact(_first_line(exc), secrets)}",
            hint="check SUPPLYLAKE_CATALOG__PROPERTIES (`supplylake config show` prints them, secrets masked)",
        ) from None
    return catalog


@contextmanager
def _warnings_redacted(secrets: list[str]) -> Iterator[None]:
    """Re-issue the warnings raised inside with secrets masked: pyiceberg's REST client warns
    with its full URI, user info included."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
    finally:
        for warning in caught:
            warnings.warn_explicit(
                redact(str(warning.message), secrets), warning.category, warning.filename, warning.lineno
            )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0]}" if text else type(exc).__name__


def catalog_for(settings: Settings) -> Catalog:
    """The configured Iceberg catalog (SqlCatalog under the data dir unless configured)."""
    properties = settings.catalog.properties or default_catalog_properties(settings.data_dir)
    return open_catalog(settings.catalog.name, properties, namespace=settings.catalog.namespace)

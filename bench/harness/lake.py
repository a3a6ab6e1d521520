"""Opening the lake a pipeline under test wrote, without importing the Quix sink."""

from __future__ import annotations

from pyiceberg.catalog import Catalog

from supplylake.lake import default_catalog_properties, open_catalog
from supplylake.settings import Settings


def lake_catalog(settings: Settings) -> Catalog:
    """The configured Iceberg catalog (SqlCatalog under the data dir unless configured)."""
    properties = settings.catalog.properties or default_catalog_properties(settings.data_dir)
    return open_catalog(settings.catalog.name, properties, namespace=settings.catalog.namespace)

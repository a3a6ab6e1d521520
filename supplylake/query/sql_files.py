"""The SQL shipped in the package ``supplylake.sql`` (the repository's ``sql/`` folder), by name.

- ``sql/NAME.sql``: named queries for analysts (``supplylake sql --query NAME``), with ``:name``
  parameters documented in their header.
- ``sql/views/NAME.sql``: the derived views every lake connection gets (``inventory_current``…);
  adding a file adds a view. The inventory pipeline's seeding runs ``inventory_current`` too, so a
  restart resumes from exactly the level analysts see.

Read through :mod:`importlib.resources`, not a path relative to the working directory, so they are
found wherever supplylake is installed (site-packages, a zip, an editable checkout).
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

from supplylake.query.errors import UnknownNamedQuery

SQL_PACKAGE = "supplylake.sql"
VIEWS_FOLDER = "views"
SUFFIX = ".sql"


def named_query_names() -> list[str]:
    """Every named query shipped with the package, sorted (file names without ``.sql``)."""
    return _names(files(SQL_PACKAGE))


def read_named_query(name: str) -> str:
    """The SQL text of the named query ``name`` (``where_is_my_order``; a ``.sql`` suffix is fine)."""
    return _read(files(SQL_PACKAGE), name, kind="named query")


def view_names() -> list[str]:
    """Every derived view defined in ``sql/views/``, sorted."""
    return _names(files(SQL_PACKAGE) / VIEWS_FOLDER)


def read_view(name: str) -> str:
    """The ``SELECT`` that defines the derived view ``name`` (e.g. ``inventory_current``)."""
    return _read(files(SQL_PACKAGE) / VIEWS_FOLDER, name, kind="view definition")


def _names(folder: Traversable) -> list[str]:
    return sorted(
        entry.name.removesuffix(SUFFIX) for entry in folder.iterdir() if entry.is_file() and entry.name.endswith(SUFFIX)
    )


def _read(folder: Traversable, name: str, *, kind: str) -> str:
    stem = name.removesuffix(SUFFIX)
    available = _names(folder)
    # Membership, not a path join: a name like "../x" must not reach outside the folder.
    if stem not in available:
        raise UnknownNamedQuery(f"no {kind} {name!r}; available: {', '.join(available) or 'none'}")
    return folder.joinpath(stem + SUFFIX).read_text(encoding="utf-8")

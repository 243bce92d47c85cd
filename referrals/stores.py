"""Pick the store from the database setting (REFERRALS_DATABASE or --database).

- a path, or sqlite:///path: SQLite, the default (one instance, one file);
- postgresql://... (or postgres://...): PostgreSQL, for several instances on one database.

Anything else with a scheme (mysql://...) is a settings error, said at start-up.
psycopg is imported only when a PostgreSQL URL is given.
"""

from __future__ import annotations

import re

from .settings import SettingsError
from .store import ReferralAdmin, ReferralWriter

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def backend(database: str) -> str:
    """"postgresql" or "sqlite" for a database setting; SettingsError for an unknown scheme."""
    if database.startswith(POSTGRES_SCHEMES):
        return "postgresql"
    if database.startswith("sqlite:///") or not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", database):
        return "sqlite"
    scheme = database.split("://", 1)[0]
    raise SettingsError(
        f"REFERRALS_DATABASE: {scheme}:// is not supported; use a file path, sqlite:///path or postgresql://user@host/dbname"
    )


def is_postgres(database: str) -> bool:
    return backend(database) == "postgresql"


def _postgres():
    try:
        from . import postgres_store
    except ImportError:
        raise SettingsError(
            "REFERRALS_DATABASE is a PostgreSQL URL but psycopg is not installed (pip install -r requirements.txt)"
        ) from None
    return postgres_store


def open_writer(database: str) -> ReferralWriter:
    """The web app's store. Connects lazily: a database that is down is a 503, not a crash."""
    if is_postgres(database):
        return _postgres().PostgresWriter(database)
    from .sqlite_store import SQLiteWriter

    return SQLiteWriter(database)


def open_inbox(database: str, create: bool = True):
    """The staff inbox's store (inbox_store.InboxBase): reads sealed rows, records staff actions.

    On SQLite it may make the file, as the service does (`create`); on PostgreSQL never."""
    if is_postgres(database):
        return _postgres().PostgresInbox(database)
    from .sqlite_store import SQLiteInbox

    return SQLiteInbox(database, create=create)


def open_admin(database: str) -> ReferralAdmin:
    """The intake team's store (never creates tables or files)."""
    if is_postgres(database):
        return _postgres().PostgresAdmin(database)
    from .sqlite_store import SQLiteAdmin

    return SQLiteAdmin(database)

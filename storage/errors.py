"""Storage errors.

StorageError
 ├── DatabaseUnavailable   the database cannot be reached (says how to start it)
 ├── MigrationError        a migration file failed or the recorded history is inconsistent
 └── NotFound              a tenant-scoped lookup found nothing (never says whether it exists
                           elsewhere)
"""


class StorageError(Exception):
    """Base of every error raised by `storage`."""


class DatabaseUnavailable(StorageError):
    """The database at DATABASE_URL cannot be reached."""


class MigrationError(StorageError):
    """A migration failed; the database is left at the last version that applied."""


class NotFound(StorageError):
    """No such object for this tenant."""

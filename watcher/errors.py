"""The project's own exceptions. The CLI turns each into one line `Error: ...` and an exit code."""


class WatcherError(Exception):
    """Base class. `exit_code` is what the CLI exits with."""

    exit_code = 1


class UsageError(WatcherError):
    """Bad input from the user: a bad ASIN, an unreadable file, a missing setting."""

    exit_code = 2


class ConfigError(UsageError):
    """Missing or invalid configuration (credentials, config file)."""


class FetchError(WatcherError):
    """A call to Amazon (or the fake server) failed after its retries."""


class AuthError(FetchError):
    """The access-token request failed. Never carries a credential in its message."""


class ImageError(WatcherError):
    """An image could not be downloaded or decoded."""


class StoreError(WatcherError):
    """The database is missing, locked or not a watcher database."""

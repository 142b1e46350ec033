"""Why a search or a rebuild cannot go on: each says so in a message for people, and
names the command that mends it."""

from __future__ import annotations


class NoIndex(RuntimeError):
    """Nothing can be served: no index has been built yet. ``reason`` says which kind
    of trouble it is (the site's 503 page and JSON say it in words)."""

    reason = "no index"


class OtherVersion(NoIndex):
    """The index was built by another version of vnsearch (another schema)."""

    reason = "other version"


class DamagedIndex(NoIndex):
    """The index's files are not those its build wrote (truncated, missing, changed)."""

    reason = "damaged"


class BackendUnavailable(NoIndex):
    """The configured backend cannot be reached or is misconfigured. A kind of
    :class:`NoIndex`: whoever reports a missing index reports this too."""

    reason = "unreachable"


class RebuildRunning(RuntimeError):
    """Another rebuild of the same index holds its lock."""


class MissingExtra(RuntimeError):
    """A command needs a package of an optional extra that is not installed."""

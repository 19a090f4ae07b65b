"""Clock: the one notion of "now" for builds, `init` and `new` (SOURCE_DATE_EPOCH, else the system clock)."""

from __future__ import annotations

import datetime as dt
import os

from .errors import UsageError


def now() -> dt.datetime:
    """Now, as an aware UTC datetime: SOURCE_DATE_EPOCH when set (reproducible builds, tests), else the system clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return dt.datetime.now(dt.UTC)
    if not epoch.isdigit():
        raise UsageError(f"SOURCE_DATE_EPOCH={epoch!r}: expected whole seconds since 1970-01-01 UTC")
    return dt.datetime.fromtimestamp(int(epoch), dt.UTC)


def local_now() -> dt.datetime:
    """Now in the machine's local zone, to the second (for the dates `init` and `new` write)."""
    return now().astimezone().replace(microsecond=0)

"""Loaded by every Python process started with this folder on PYTHONPATH: its wall clock runs a year ahead.

Used by tests/tools/suite_a_year_ahead.sh to show that no test depends on today's date.
"""

import datetime as _dt
import os as _os

import time_machine as _time_machine

_days = int(_os.environ.get("MATHPRESS_DAYS_AHEAD", "365"))
_time_machine.travel(_dt.datetime.now(_dt.UTC) + _dt.timedelta(days=_days), tick=True).start()

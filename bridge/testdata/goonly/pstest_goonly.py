"""The Python originals of the filters that Go runs in testdata/names.ini.

Only the oracle (PasteDeploy loading the whole file, in the conf test)
has this directory on its path; the pool does not, so a pool that
resolved anything Go runs would fail to load.
"""

from pstest import filter_factory  # noqa: F401

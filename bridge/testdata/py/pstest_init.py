"""An init for pasteserve's bridge tests, as [python] init names one:
importing it is the init, and setup is the callable form, which gets
pasteserve's --config-file/--config-dir arguments."""

ARGS = None


def setup(argv):
    global ARGS
    ARGS = list(argv)


def fail(argv):
    raise RuntimeError("pstest_init: init failed on purpose")

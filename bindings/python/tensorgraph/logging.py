"""The engine's log level (tf.logging): DEBUG, INFO, WARN, ERROR."""
from . import _tg

DEBUG, INFO, WARN, ERROR = 0, 1, 2, 3
WARNING = WARN
FATAL = ERROR


def set_verbosity(level):
    _tg.set_log_level(int(level))


def get_verbosity():
    return _tg.log_level()

"""thinkforge: reproduce the Sky-T1 reasoning recipe end to end — tasks, generate, grade, curate, train, evaluate."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("thinkforge")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]

"""Exception types shared by every stage; each carries enough context to act on."""

from __future__ import annotations

from pathlib import Path


class ThinkforgeError(Exception):
    """Base class for errors that the CLI reports as one clear line and a non-zero exit."""


class ValidationError(ThinkforgeError):
    """A record or config value is invalid; names the field and, when known, the file and line."""

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        path: str | Path | None = None,
        line: int | None = None,
    ) -> None:
        self.message = message
        self.field = field
        self.path = str(path) if path is not None else None
        self.line = line
        super().__init__(self._render())

    def _render(self) -> str:
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line is not None else f"{self.path}: "
        field = f"field '{self.field}': " if self.field else ""
        return f"{where}{field}{self.message}"

    def at(self, path: str | Path, line: int | None = None) -> "ValidationError":
        """Return a copy of this error located at ``path:line``."""
        return ValidationError(self.message, field=self.field, path=path, line=line)


class ConfigError(ThinkforgeError):
    """A config file or override is invalid (unknown key, wrong type, or a changed run config)."""


class MissingDependencyError(ThinkforgeError):
    """An optional package is required for the requested feature; the message gives the install command."""

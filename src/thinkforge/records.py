"""The one record schema that flows through every stage: Problem → Sample → Verdict.

Records are frozen dataclasses with a strict JSON round-trip: ``to_dict`` gives plain JSON types and
``from_dict`` validates every field, raising :class:`ValidationError` that names the field.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Mapping, TypeVar, get_args, get_origin

from thinkforge.errors import ValidationError

Domain = Literal["math", "code", "mcq"]
DOMAINS: tuple[str, ...] = get_args(Domain)

FinishReason = Literal["stop", "length", "error"]

Status = Literal[
    "pass",
    "wrong",
    "no_answer",
    "truncated",
    "compile_error",
    "runtime_error",
    "timeout",
    "memory",
    "output_limit",
    "sandbox_error",
    "error",
]
STATUSES: tuple[str, ...] = get_args(Status)

Message = dict[str, Any]

R = TypeVar("R", bound="Record")


class Record:
    """Mixin giving dataclass records a validated JSON round-trip."""

    #: Name used in error messages ("problem", "sample", "verdict").
    kind: ClassVar[str] = "record"

    def to_dict(self) -> dict[str, Any]:
        """Return the record as plain JSON-compatible types."""
        return {f.name: _to_json(getattr(self, f.name)) for f in dataclasses.fields(self)}  # type: ignore[arg-type]

    @classmethod
    def from_dict(cls: type[R], data: Mapping[str, Any]) -> R:
        """Build and validate a record; unknown or missing fields raise :class:`ValidationError`."""
        if not isinstance(data, Mapping):
            raise ValidationError(f"expected a JSON object for a {cls.kind}, got {type(data).__name__}")
        hints = _type_hints(cls)
        fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(data) - set(fields))
        if unknown:
            raise ValidationError(
                f"unknown field in {cls.kind} (known: {', '.join(fields)})", field=unknown[0]
            )
        kwargs: dict[str, Any] = {}
        for name, f in fields.items():
            if name not in data:
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                    raise ValidationError(f"missing required field of {cls.kind}", field=name)
                continue
            kwargs[name] = _check_type(data[name], hints[name], name)
        record = cls(**kwargs)
        record.validate()  # type: ignore[attr-defined]
        return record

    def validate(self) -> None:
        """Check invariants that types alone do not express (overridden per record)."""


@functools.cache
def _type_hints(cls: type) -> dict[str, Any]:
    """The resolved field types of a record class (resolved once: ``get_type_hints`` is slow)."""
    return typing.get_type_hints(cls)


def _to_json(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_to_json(v) for v in value]
    if isinstance(value, list):
        return [_to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _to_json(v) for k, v in value.items()}
    return value


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", None) or str(tp).replace("typing.", "")


def _check_type(value: Any, tp: Any, name: str) -> Any:
    """Validate ``value`` against a (simple) type hint and return it, normalised."""
    origin = get_origin(tp)
    if tp is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        errors = []
        for option in get_args(tp):
            try:
                return _check_type(value, option, name)
            except ValidationError as exc:
                errors.append(exc.message)
        raise ValidationError(f"expected {_type_name(tp)}, got {type(value).__name__}", field=name)
    if origin is Literal:
        if value not in get_args(tp):
            allowed = ", ".join(repr(a) for a in get_args(tp))
            raise ValidationError(f"must be one of {allowed}, got {value!r}", field=name)
        return value
    if tp is type(None):
        if value is not None:
            raise ValidationError("expected null", field=name)
        return None
    if origin in (list, tuple) or tp in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise ValidationError(f"expected a list, got {type(value).__name__}", field=name)
        args = get_args(tp)
        item_tp = args[0] if args else Any
        return [_check_type(v, item_tp, f"{name}[{i}]") for i, v in enumerate(value)]
    if origin is dict or tp is dict:
        if not isinstance(value, Mapping):
            raise ValidationError(f"expected an object, got {type(value).__name__}", field=name)
        return dict(value)
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValidationError(f"expected a number, got {type(value).__name__}", field=name)
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(f"expected an integer, got {type(value).__name__}", field=name)
        return value
    if tp in (str, bool):
        if not isinstance(value, tp):
            raise ValidationError(f"expected {tp.__name__}, got {type(value).__name__}", field=name)
        return value
    raise TypeError(f"unsupported type hint {tp!r} for field {name}")


@dataclass(frozen=True)
class Problem(Record):
    """One task item.

    ``reference`` holds what graders need, by domain:
    math — ``{"answer": str}``; mcq — ``{"choices": [str, ...], "answer": "B"}`` (choices in display order,
    letters A, B, …); code — ``{"style": "stdin" | "functional" | "assertion", "tests": [...], ...}``.
    """

    kind: ClassVar[str] = "problem"

    id: str
    task: str
    domain: Domain
    prompt: str
    reference: dict[str, Any]
    messages: list[Message] | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def validate(self) -> None:
        if not self.id:
            raise ValidationError("must not be empty", field="id")
        if self.messages is None and not self.prompt:
            raise ValidationError("a problem needs a prompt or messages", field="prompt")


@dataclass(frozen=True)
class Sample(Record):
    """One model response to one problem (``index`` in 0..n-1), with everything needed to reproduce it."""

    kind: ClassVar[str] = "sample"

    problem_id: str
    model: str
    index: int
    text: str
    task: str = ""
    sampling: dict[str, Any] = field(default_factory=dict)
    messages: list[Message] = field(default_factory=list)
    reasoning: str | None = None
    finish_reason: FinishReason | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    latency_s: float | None = None
    provenance: dict[str, Any] = field(default_factory=dict)
    key: str = ""

    def validate(self) -> None:
        if self.index < 0:
            raise ValidationError("must be >= 0", field="index")


@dataclass(frozen=True)
class Verdict(Record):
    """The grade of one sample: ``passed`` plus a ``status`` that says why."""

    kind: ClassVar[str] = "verdict"

    sample_key: str
    passed: bool
    status: Status
    problem_id: str = ""
    extracted: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    grader: str = ""

    def validate(self) -> None:
        if self.passed != (self.status == "pass"):
            raise ValidationError(
                f"passed={self.passed} contradicts status={self.status!r}", field="passed"
            )


RECORD_TYPES: dict[str, type[Record]] = {"problem": Problem, "sample": Sample, "verdict": Verdict}

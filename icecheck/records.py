"""``@record``: ``@dataclass(frozen=True, slots=True)`` with its methods compiled ahead of time.

On CPython 3.11, ``dataclasses`` writes and compiles ``__init__``, ``__repr__``, ``__eq__``,
``__hash__``, ``__setattr__`` and ``__delattr__`` for every class at import: about 0.8 ms a
class, 20 ms for the ~30 records that ``icecheck sdp`` imports, a fifth of its whole run.
``scripts/gen_records.py`` writes the same methods into ``icecheck/_record_methods.py``, which
Python compiles once into its ``.pyc`` like any module. ``record`` lets ``dataclasses`` do the
bookkeeping (``__dataclass_fields__``, slots, ``__match_args__``, so ``fields`` and ``replace``
work) without generating code, then attaches the pre-built methods and the shared frozen
``__setattr__``/``__delattr__``.

The methods are used only while the class still has the fields they were generated from (names,
annotations, which have defaults, field options, ``__post_init__``); otherwise the class falls
back to plain ``dataclass(frozen=True, slots=True)`` — correct, only slower — and is listed in
``FALLBACK``. tests/test_records.py fails on a stale file and compares every record's behaviour
with the dataclass it stands for.
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any, TypeVar, cast, dataclass_transform

from icecheck._record_methods import FACTORY, METHODS

T = TypeVar("T", bound=type)
RECORDS: dict[str, tuple[type, str]] = {}  # every record class and its shape, by module and qualified name
FALLBACK: list[str] = []  # records whose methods dataclasses built: the generated file is stale for them
_MISSING = dataclasses.MISSING


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field,))
def record(cls: T) -> T:
    """A frozen, slotted dataclass (see the module doc)."""
    key = f"{cls.__module__}.{cls.__qualname__}"
    made, wanted = METHODS.get(key), shape(cls)
    new: Any
    if made is None or made[0] != wanted:
        FALLBACK.append(key)
        new = dataclasses.dataclass(frozen=True, slots=True)(cls)
    else:
        documented = bool(cls.__doc__)
        new = dataclasses.dataclass(init=False, repr=False, eq=False, slots=True)(cls)
        _attach(new, made[1:])
        if not documented:  # as dataclasses writes it, from the signature
            new.__doc__ = new.__name__ + str(inspect.signature(new)).replace(" -> None", "")
    RECORDS[key] = (new, wanted)
    return cast(T, new)


def shape(cls: type) -> str:
    """What the generated methods depend on, read from the class body before dataclasses runs."""
    ns = cls.__dict__
    parts = []
    for name, annotation in ns.get("__annotations__", {}).items():
        value = ns.get(name, _MISSING)
        if isinstance(value, dataclasses.Field):
            factory = getattr(value.default_factory, "__qualname__", "-")
            extra = f"=field({value.default is not _MISSING},{factory},{value.init},{value.repr},{value.compare},"
            extra += f"{value.hash},{value.kw_only is True})"
        else:
            extra = "" if value is _MISSING else "="
        parts.append(f"{name}:{annotation if isinstance(annotation, str) else repr(annotation)}{extra}")
    if "__post_init__" in ns:
        parts.append("__post_init__")
    return ";".join(parts)


def _attach(cls: type, methods: tuple[Any, ...]) -> None:
    fields = dataclasses.fields(cls)
    defaults = []
    for f in fields:
        if f.default is not _MISSING:
            defaults.append(f.default)
        elif f.default_factory is not _MISSING:
            defaults.append(FACTORY)
    init, rep, eq, hash_ = methods
    init.__defaults__ = tuple(defaults) or None
    init.__annotations__ = {f.name: f.type for f in fields} | {"return": None}
    for name, fn in (("__init__", init), ("__repr__", rep), ("__eq__", eq), ("__hash__", hash_)):
        fn.__name__, fn.__qualname__ = name, f"{cls.__qualname__}.{name}"
        setattr(cls, name, fn)
    shared = (_frozen_setattr, _frozen_delattr, _getstate, _setstate)
    for name, fn in zip(("__setattr__", "__delattr__", "__getstate__", "__setstate__"), shared, strict=True):
        setattr(cls, name, fn)


def _frozen_setattr(self: object, name: str, value: object) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: object, name: str) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")


def _getstate(self: Any) -> list[object]:  # pickling a frozen slotted class, as dataclasses does it
    return [getattr(self, f.name) for f in dataclasses.fields(self)]


def _setstate(self: Any, state: list[object]) -> None:
    for f, value in zip(dataclasses.fields(self), state, strict=True):
        object.__setattr__(self, f.name, value)

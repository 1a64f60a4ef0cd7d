"""``@record``: pre-generated methods that behave exactly as ``dataclass(frozen=True, slots=True)``."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pickle
import pkgutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import icecheck
from icecheck.records import FALLBACK, RECORDS, record

REPO = Path(__file__).resolve().parents[1]
for _mod in pkgutil.walk_packages(icecheck.__path__, "icecheck."):
    if not _mod.name.endswith("__main__"):
        importlib.import_module(_mod.name)
KEYS = sorted(RECORDS)


def test_the_generated_file_matches_the_classes() -> None:
    proc = subprocess.run(
        [sys.executable, "scripts/gen_records.py", "--check"], cwd=REPO, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr


def test_every_icecheck_record_uses_the_generated_methods() -> None:
    assert len(KEYS) >= 40  # model, config, rules, policy, inputs, enrich...
    assert [k for k in FALLBACK if k.startswith("icecheck.")] == []


def _twin(cls: type) -> Any:
    """The plain dataclass that ``cls`` stands for, rebuilt from its fields."""
    spec = []
    for f in dataclasses.fields(cls):
        kw: dict[str, Any] = {"repr": f.repr, "compare": f.compare, "hash": f.hash}
        if f.default is not dataclasses.MISSING:
            kw["default"] = f.default
        if f.default_factory is not dataclasses.MISSING:
            kw["default_factory"] = f.default_factory
        spec.append((f.name, f.type, dataclasses.field(**kw)))
    return dataclasses.make_dataclass(cls.__name__, spec, frozen=True, slots=True)


def _params(cls: type) -> list[tuple[str, object, str]]:
    """The signature; a default_factory default (a private sentinel in dataclasses) as its repr '<factory>'."""
    return [(p.name, p.annotation, repr(p.default)) for p in inspect.signature(cls).parameters.values()]


def _values(cls: type, salt: int) -> dict[str, object]:
    return {f.name: (salt, f.name) for f in dataclasses.fields(cls)}  # hashable, picklable, distinct


@pytest.mark.parametrize("key", KEYS)
def test_a_record_behaves_as_its_dataclass(key: str) -> None:
    cls, _ = RECORDS[key]
    twin = _twin(cls)
    assert _params(cls) == _params(twin)
    if not cls.__doc__.startswith(cls.__name__ + "("):  # a docstring of its own
        assert cls.__doc__ != twin.__doc__
    else:
        assert cls.__doc__ == twin.__doc__
    assert cls.__slots__ == twin.__slots__ and cls.__match_args__ == twin.__match_args__  # type: ignore[attr-defined]
    post_init = getattr(cls, "__post_init__", None)
    if post_init is not None:  # validates its fields: check the hook is called with a bad value
        with pytest.raises((TypeError, ValueError, AttributeError)):
            cls(**_values(cls, 1))
        return
    a, same, other = cls(**_values(cls, 1)), cls(**_values(cls, 1)), cls(**_values(cls, 2))
    ta, tsame, tother = twin(**_values(cls, 1)), twin(**_values(cls, 1)), twin(**_values(cls, 2))
    assert repr(a) == repr(ta).replace(twin.__qualname__, cls.__qualname__, 1)
    assert (a == same, a == other, a != other) == (ta == tsame, ta == tother, ta != tother)
    assert (hash(a) == hash(same)) and hash(a) == hash(ta)
    assert a.__eq__(ta) is NotImplemented  # another class, even with the same fields
    name = dataclasses.fields(cls)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(a, name, 3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        delattr(a, name)
    assert dataclasses.replace(a, **{name: (2, name)}) != a
    assert pickle.loads(pickle.dumps(a)) == a


def test_defaults_and_factories_are_those_of_the_class() -> None:
    from icecheck.analysis.policy import Policy
    from icecheck.model import AuditResult, Origin

    assert Origin("f.sdp").line is None and Origin("f.sdp", 3).line == 3
    p1, p2 = Policy("x", "d"), Policy("y", "d")
    assert p1.severities == {} and p1.severities is not p2.severities  # a new dict per instance
    assert AuditResult.__init__.__qualname__ == "AuditResult.__init__"


def test_a_class_the_file_does_not_know_falls_back_to_dataclasses() -> None:
    @record
    class Fresh:
        a: int
        b: str = "x"

    try:
        assert f"{__name__}.{Fresh.__qualname__}" in FALLBACK
        assert Fresh(1) == Fresh(1, "x") and repr(Fresh(1)).endswith("Fresh(a=1, b='x')")
        with pytest.raises(dataclasses.FrozenInstanceError):
            Fresh(1).a = 2  # type: ignore[misc]
    finally:
        FALLBACK.remove(f"{__name__}.{Fresh.__qualname__}")
        RECORDS.pop(f"{__name__}.{Fresh.__qualname__}")

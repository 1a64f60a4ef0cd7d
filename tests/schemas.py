"""The published JSON Schemas (docs/schema/*.schema.json), resolvable by each other, for tests to validate against."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

SCHEMAS = Path(__file__).resolve().parents[1] / "docs" / "schema"


@cache
def validator(name: str) -> Draft202012Validator:
    """The validator of ``docs/schema/<name>.schema.json``; ``$ref`` between the files resolve by ``$id``."""
    docs = {p.name: json.loads(p.read_text()) for p in SCHEMAS.glob("*.schema.json")}
    for doc in docs.values():
        Draft202012Validator.check_schema(doc)
    registry = Registry().with_resources((doc["$id"], Resource.from_contents(doc)) for doc in docs.values())
    return Draft202012Validator(docs[f"{name}.schema.json"], registry=registry)


def errors(name: str, instance: Any) -> list[str]:
    """Every way ``instance`` breaks the schema, as ``path: message`` lines (empty when valid)."""
    return [f"{list(e.path)}: {e.message}" for e in validator(name).iter_errors(instance)]

"""Validation of relurelax's JSON documents against the schemas shipped in ``relurelax/reports/schemas``.

A document names its schema in its first key (``"schema": "relurelax.<command>/1"``), which is the
``$id`` of the schema file; the schemas refer to each other by those ids, so all of them are
registered together.
"""

from __future__ import annotations

import functools

import jsonschema
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from relurelax.reports._io import load_schema

#: the commands whose JSON has a schema, and the document each describes
SCHEMA_COMMANDS = ("report", "verify", "crosscheck")


@functools.cache
def registry() -> Registry:
    schemas = [load_schema(command) for command in SCHEMA_COMMANDS]
    return Registry().with_resources([(s["$id"], DRAFT202012.create_resource(s)) for s in schemas])


def validator(command: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(load_schema(command), registry=registry())


def errors(document: dict) -> list[str]:
    """Every way ``document`` breaks the schema it names, as ``path: message`` lines (empty when it is valid)."""
    command = document["schema"].removeprefix("relurelax.").split("/")[0]
    found = validator(command).iter_errors(document)
    return [f"{e.json_path}: {e.message[:300]}" for e in sorted(found, key=lambda e: e.json_path)]

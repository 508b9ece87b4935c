r"""Relative cross-references resolve to the nearest target.

relurelax's docstrings write references relative to their own package:
``:mod:`.registry``` in ``relurelax.solvers.solution`` means
``relurelax.solvers.registry``. Sphinx looks such a name up in the current
module and then everywhere, and finds ``relurelax.proofs.registry`` as well
(the three packages share module names: ``registry``, ``crosscheck``,
``errors``). When a look-up finds several targets, this extension keeps
those that share the longest dotted prefix with the module the reference is
written in, which is what the docstring means; a tie (two targets equally
near) is still reported as ambiguous by Sphinx.

The "type" of an attribute (``:vartype:``, which napoleon writes for the
``Attributes`` sections) is shown as written and not looked up: relurelax
writes shapes and prose there (``X : (trials, d, m) final iterates``), and
the words ``d`` or ``trials`` are not references to the attributes of that
name. A role written in it (``:class:`...```) is still a link.
"""

from __future__ import annotations

from sphinx.domains.python import PyObject, PythonDomain


def common_prefix_length(a: str, b: str) -> int:
    """How many leading dotted components ``a`` and ``b`` share."""
    n = 0
    for x, y in zip(a.split("."), b.split(".")):
        if x != y:
            break
        n += 1
    return n


def nearest(matches: list, modname: str | None) -> list:
    """The matches whose names share the longest dotted prefix with ``modname`` (all of them without one)."""
    if len(matches) < 2 or not modname:
        return matches
    lengths = [common_prefix_length(name, modname) for name, _ in matches]
    best = max(lengths)
    return [match for match, length in zip(matches, lengths) if length == best]


_find_obj = PythonDomain.find_obj


def _find_nearest_obj(self, env, modname, classname, name, type, searchmode=0):
    return nearest(_find_obj(self, env, modname, classname, name, type, searchmode), modname)


def setup(app):
    PythonDomain.find_obj = _find_nearest_obj
    (variable,) = [field for field in PyObject.doc_field_types if field.name == "variable"]
    variable.typerolename = None
    return {"parallel_read_safe": True, "parallel_write_safe": True}

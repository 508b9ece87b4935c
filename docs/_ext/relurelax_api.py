r"""Directives that read the package when the docs are built: ``relurelax-modules`` and ``relurelax-claims``.

``.. relurelax-modules:: relurelax.solvers`` lists the package's modules
with :func:`pkgutil.iter_modules` when the docs are built (underscore
modules are private and left out) and writes, for each, a section titled
with the module's name and an ``automodule`` of its public names (its
``__all__``). A module added to the package appears in the reference
without an edit here, and one removed disappears. autodoc documents a
module's constants only when they carry a ``#:`` comment; the public
constants without one (``PLANTED``, ``EXIT_OK``, ...) get an explicit
``autodata`` entry, so that every name of ``__all__`` the module defines
is in the reference.

``.. relurelax-claims::`` is the table of :data:`relurelax.proofs.CLAIMS`
(id, what the paper says, the paper's conditions), in the ledger's order.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil

from docutils import nodes
from docutils.parsers.rst import Directive, directives
from docutils.statemachine import StringList
from sphinx.pycode import ModuleAnalyzer
from sphinx.util.nodes import nested_parse_with_titles

#: a constant whose value prints longer than this is shown without its value
MAX_VALUE_LENGTH = 70


def public_modules(package: str) -> list[str]:
    """The dotted names of the modules of ``package`` whose names do not start with an underscore, sorted."""
    path = importlib.import_module(package).__path__
    return sorted(f"{package}.{info.name}" for info in pkgutil.iter_modules(path) if not info.name.startswith("_"))


def assigned_names(module) -> set[str]:
    """The names a module's source assigns at its top level (its constants; imported names are not among them)."""
    tree = ast.parse(inspect.getsource(module))
    names = set()
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def undocumented_constants(name: str) -> list[str]:
    """The names of ``__all__`` that the module assigns and that have no ``#:`` comment, in ``__all__``'s order."""
    module = importlib.import_module(name)
    documented = {attr for (scope, attr) in ModuleAnalyzer.for_module(name).find_attr_docs() if scope == ""}
    assigned = assigned_names(module)
    return [n for n in getattr(module, "__all__", ()) if n in assigned and n not in documented]


def _constant_entry(module: str, name: str) -> list[str]:
    value = repr(getattr(importlib.import_module(module), name))
    lines = [f".. autodata:: {module}.{name}"]
    if len(value) > MAX_VALUE_LENGTH:
        lines.append("   :no-value:")
    return lines + [""]


class RelurelaxModules(Directive):
    """One section per public module of the package given as the argument."""

    required_arguments = 1
    option_spec = {"exclude": directives.unchanged}

    def run(self):
        package = self.arguments[0]
        excluded = set((self.options.get("exclude") or "").split())
        lines = []
        for module in public_modules(package):
            if module.rsplit(".", 1)[1] in excluded:
                continue
            title = f"``{module}``"
            lines += [title, "-" * len(title), "", f".. automodule:: {module}", ""]
            for constant in undocumented_constants(module):
                lines += _constant_entry(module, constant)
        container = nodes.section()
        container.document = self.state.document
        nested_parse_with_titles(self.state, StringList(lines, source=f"<relurelax-modules {package}>"), container)
        return container.children




def _table(headers: list[str], rows: list[list[nodes.Node]]) -> nodes.table:
    """A docutils table with a header row; each cell holds one inline node."""
    table = nodes.table()
    group = nodes.tgroup(cols=len(headers))
    table += group
    for _ in headers:
        group += nodes.colspec(colwidth=1)

    def row_of(cells) -> nodes.row:
        row = nodes.row()
        for cell in cells:
            entry = nodes.entry()
            entry += nodes.paragraph("", "", cell)
            row += entry
        return row

    head = nodes.thead()
    head += row_of([nodes.Text(h) for h in headers])
    body = nodes.tbody()
    for cells in rows:
        body += row_of(cells)
    group += head
    group += body
    return table


class RelurelaxClaims(Directive):
    """The table of the claims of :data:`relurelax.proofs.CLAIMS`: id, what the paper says, the paper's conditions."""

    def run(self):
        from relurelax.proofs.claims import CLAIMS

        rows = [
            [nodes.literal(c.id, c.id), nodes.Text(c.summary), nodes.Text(", ".join(c.paper_conditions) or "none")]
            for c in CLAIMS
        ]
        return [_table(["claim", "what the paper says", "the paper's conditions"], rows)]


def _drop_the_types_docstring(app, what, name, obj, options, lines):
    """A constant has no docstring of its own: autodoc would show its type's (``dict``'s) in its place."""
    if what in ("data", "attribute") and lines:
        doc = getattr(type(obj), "__doc__", None)
        own = inspect.cleandoc(doc).strip() if isinstance(doc, str) else ""
        if own and "\n".join(lines).strip() == own:
            lines[:] = []


def setup(app):
    app.connect("autodoc-process-docstring", _drop_the_types_docstring)
    app.add_directive("relurelax-modules", RelurelaxModules)
    app.add_directive("relurelax-claims", RelurelaxClaims)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

r"""Sphinx configuration of the relurelax documentation (``docs/README.md`` says how to build it).

Sources are text: reStructuredText for the API reference (autodoc with
napoleon, which reads the numpydoc sections of relurelax's docstrings) and
MyST Markdown elsewhere. The tutorials are MyST-NB text notebooks
(``file_format: mystnb``), executed by myst-nb on every build
(``nb_execution_mode = "force"``: no cache, so a tutorial is always run
against the code being documented) and a cell that raises fails the build.
The CLI reference is generated from the argparse parser when the docs are
built (``_ext/relurelax_cli.py``), and the API reference lists every public
module of each package (``_ext/relurelax_api.py``).
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "_ext"))

project = "relurelax"
author = "relurelax contributors"
copyright = "2019-2026, relurelax contributors"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "myst_nb",
    "relurelax_api",
    "relurelax_cli",
    "relurelax_refs",
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb"}
exclude_patterns = ["_build", "README.md", "**/.ipynb_checkpoints"]
root_doc = "index"

# -- autodoc and napoleon ---------------------------------------------------
autodoc_default_options = {"members": True, "undoc-members": True, "show-inheritance": True}
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
napoleon_google_docstring = False
napoleon_numpy_docstring = True
# "Attributes" sections become :ivar: fields, not attribute entries that would
# document each dataclass field a second time
napoleon_use_ivar = True
# relurelax's docstrings often write a short description where numpydoc puts the
# type ("n, d, m : samples, features, neurons"); rendered inline, such text is not
# turned into cross-references to every attribute named n, d or m
napoleon_use_param = False
napoleon_use_rtype = False
# unresolved cross-references in docstrings are not errors: they name numpy types
# and relative targets (:class:`~.claims.Claim`) that need no link; in the guide
# and the tutorials they are (see _strict_outside_the_api_reference)
nitpicky = False

# Docstrings of relurelax's modules that are not valid reStructuredText as
# written (they read well as plain text, in `help()`): object -> (text, as
# rendered here). Each fix is applied to that object only, and a fix whose text
# no longer occurs is reported, so that it is removed once the docstring changes.
DOCSTRING_FIXES = {
    # "(S, *keys)": a star opens emphasis in reST
    "relurelax.solvers.seeds": [("(S, *keys)", r"(S, \*keys)")],
    # a literal in a numpydoc "type" slot spans two lines, which napoleon splits:
    # the description goes to the description lines instead
    "relurelax.solvers.batched.run_trials": [("seeds : the trials: instance", "seeds : the trials\n    Instance")],
    # "figures/*.png": a star opens emphasis in reST
    "relurelax.reports.report.REPORT_FILES": [("figures/*.png", "``figures/*.png``")],
    # "|f_r(newton) - f_r(CLARABEL)|": bars are substitution references in reST
    "relurelax.solvers.tolerances.NEWTON_OBJECTIVE_RTOL": [("|", r"\|")],
}


def _fix_docstring(app, what, name, obj, options, lines):
    fixes = DOCSTRING_FIXES.get(name)
    if not fixes:
        return
    text = "\n".join(lines)
    for old, new in fixes:
        if old not in text:
            from sphinx.util import logging

            logging.getLogger(__name__).warning("DOCSTRING_FIXES: %r no longer occurs in %s: remove the fix", old, name)
            continue
        text = text.replace(old, new)
    lines[:] = text.split("\n")


def _keep_hypothesis_files_in_the_build(app):
    # hypothesis keeps files (a cache of constants) under .hypothesis/ in the
    # working directory, which for the tutorials is the source folder; the
    # kernels inherit this variable and write into the build folder instead
    os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(app.doctreedir, "hypothesis"))


def _strict_outside_the_api_reference(app, env, node, contnode):
    # the guide and the tutorials are held to nitpicky standards: a Python reference
    # there that resolves to nothing is an error (docstrings, in api/, are not: they
    # name numpy types and relative targets that need no link)
    if node.get("refdomain") == "py" and not node.get("refdoc", "").startswith("api/"):
        from sphinx.util import logging

        logging.getLogger(__name__).warning("unresolved reference %r", node["reftarget"], location=node)


def setup(app):
    app.connect("autodoc-process-docstring", _fix_docstring, priority=100)  # before napoleon
    app.connect("missing-reference", _strict_outside_the_api_reference)
    app.connect("builder-inited", _keep_hypothesis_files_in_the_build)


# -- MyST and myst-nb --------------------------------------------------------
myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3
nb_execution_mode = "force"
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_execution_timeout = 300
nb_merge_streams = True

# -- HTML --------------------------------------------------------------------
html_theme = "alabaster"
html_title = "relurelax"
html_static_path = ["_static"]
html_css_files = ["relurelax.css"]
# wide enough for the terminal tables the tutorials print (about 110 columns)
html_theme_options = {"page_width": "1240px", "sidebar_width": "230px", "body_max_width": "none"}

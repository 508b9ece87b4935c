r"""The rendering layer of the validation report: ``report.md`` and a self-contained ``index.html``.

Every renderer reads the serialised results (the content of
``results.json``, schema ``relurelax.report/4``: ``schema, settings,
versions, claims, crosscheck, figures, paper_findings, relaxation_gap,
[sweep,] timings``) and nothing
else, so every number on the page is a number of ``results.json``, and no
renderer decides a verdict: whether the ledger is ok (``claims.ok``), whether
the cross-check agrees (``crosscheck.agree`` and each instance's ``agree``)
and whether a finding reproduced (``reproduced``) were decided when the
results were computed. Values are shown through :mod:`.formatting`, counts
(iterations, which a median makes a float) through :func:`count`. The HTML
page embeds the figures as base64 ``data:`` URIs and escapes every string
with :func:`html.escape`. Every number on it is a ``<span class="num">``
that does not break across lines; every table scrolls sideways inside its
own box (``<div class="scroll">``), so that the page is never wider than a
phone, and a table with prose cells becomes one card per row on a narrow
screen; a counterexample is its sentence, the conditions it satisfies and
violates, and its matrices as small tables. ``tests/test_report_browser.py``
holds the page to this in Chromium. The Markdown writes ``<=`` as ``<=`` and
neutralises only what would start raw HTML (``<`` before a letter, ``/``,
``!`` or ``?``; ``&`` before an entity) and table pipes.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections import Counter

from .crosscheck import TABLE_HEADERS, disagreements, table_rows
from .figures import LOG_FLOOR
from .formatting import MISSING, count, counterexample_number, number, text
from .ledger_section import condition_names, grade_text, ledger_state, selfcheck_summary

__all__ = [
    "render_html",
    "render_markdown",
    "verdicts",
    "ledger_summary",
    "panel_rows",
    "PANEL_HEADERS",
    "gap_rows",
    "GAP_HEADERS",
    "GAP_TEXT",
    "md_cell",
    "count",
    "sweep_setting_rows",
    "sweep_recovery_rows",
    "SWEEP_RECOVERY_HEADERS",
    "SWEEP_TITLE",
]


# --- shared pieces ------------------------------------------------------------

#: the columns of the relaxation-gap table (the values are halved objectives; the losses relative to ||y||^2)
GAP_HEADERS = ("instance", "n", "d", "cells", "min f (exact)", "min f_r", "f(argmin f_r)", "P_+", "GD's f",
               "RGD's f", "loss / ||y||^2")  # fmt: skip
#: what the relaxation-gap section says before its table
GAP_TEXT = (
    "Theorem 1 holds given the planted model (4); off it the paper says nothing. relurelax computes the exact "
    "global minimum of the non-convex f over every activation cell (each cell's quadratic program solved and "
    "certified by its KKT residuals), min f_r by the exact Newton solver, f at that minimiser of f_r (what a user "
    "of the relaxation gets), P_+ (the positive-output convex program, a lower bound on min f_m for every m), "
    "and f where GD (2) and RGD (5) stop from one seeded start. The loss is f(argmin f_r) - min f, divided by "
    "||y||^2. Objectives are halved, as everywhere in relurelax."
)


def gap_rows(results: dict) -> list[tuple]:
    """The relaxation-gap table: one row per instance of ``results["relaxation_gap"]``."""
    keys = ("min_f", "min_fr", "f_at_argmin_fr", "p_plus", "gd_f", "rgd_f", "relaxation_loss")
    return [(r["name"], count(r["n"]), count(r["d"]), count(r["cells"]), *(number(r[k]) for k in keys))
            for r in results["relaxation_gap"]["instances"]]  # fmt: skip


def ledger_summary(claims: dict) -> str:
    """The claims ledger in a few sentences: verdicts counted, strict or not, ok or not, what it establishes."""
    items = claims["claims"]
    counts = Counter(c["verdict"] for c in items)
    verdict_counts = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
    strict = " (strict: a minimal set that rests on searches makes it not ok)" if claims.get("strict") else ""
    state = "Ledger consistent (ok)." if claims["ok"] else "Ledger NOT ok: see the claims below."
    checks = selfcheck_summary(claims)
    return (f"{len(items)} claims ({verdict_counts}), profile {claims['profile']}{strict}. {state} {checks} "
            f"{ledger_state(claims)}")  # fmt: skip


def verdicts(results: dict) -> list[tuple[str, str]]:
    """The verdict summary: ``(section, sentence)`` pairs, from the results alone."""
    out = [("Claims ledger", ledger_summary(results["claims"]))]
    cc = results["crosscheck"]
    instances = cc["instances"]
    agreeing = sum(i["agree"] for i in instances)
    zero = sum(i["optimum_is_planted_zero"] for i in instances)
    sentence = (
        f"{agreeing} of {len(instances)} instances agree; the optimum is the planted global value 0 "
        f"in {zero} of {len(instances)}."
    )
    problems = disagreements(cc)
    if problems:
        sentence += " Disagreements: " + "; ".join(problems) + "."
    out.append(("Cross-check", sentence))
    findings = results["paper_findings"]
    reproduced = sum(f["reproduced"] for f in findings)
    sentence = f"{reproduced} of {len(findings)} reproduced."
    missed = [f["finding"] for f in findings if not f["reproduced"]]
    if missed:
        sentence += " Not reproduced: " + "; ".join(missed) + "."
    out.append(("Paper findings", sentence))
    gap = results["relaxation_gap"]["finding"]
    out.append(("Beyond the paper", f"{gap['finding']}: {'holds' if gap['holds'] else 'does NOT hold'} "
                                    f"({gap['evidence'].split(':')[0]})."))  # fmt: skip
    return out


#: the heading of the sweep section (a report made with ``--sweep-from``), in both formats
SWEEP_TITLE = "Phase diagram: where exact recovery holds (relurelax sweep)"
#: the columns of the sweep section's recovery table
SWEEP_RECOVERY_HEADERS = ("d", "n", "n / d", "method", "lam", "recovered", "rate", "Wilson 95%",
                          "P[Bin(n, 1/2) >= d]")  # fmt: skip
#: what the sweep section says before its tables
SWEEP_TEXT = (
    "Under the planted model (4) with Gaussian rows the relaxation recovers x* exactly when the rows with "
    "a_i^T x* > 0 span R^d; each row is one with probability 1/2, so the chance of exact recovery is "
    "P[Bin(n, 1/2) >= d]: a transition at n = 2d, not at n = d. The table gives, for m = 1 without noise, the "
    "share of trials that recovered x* (||x - x*|| <= recovery tolerance ||x*||) with its Wilson 95% interval "
    "beside that probability; the figures map the success rate (relative training error at most the success "
    "tolerance) over n/d and m (and the label noise), per method and as RGD - GD."
)
#: captions of the sweep's figures, by their name in the sweep folder
_SWEEP_CAPTIONS = {
    "success_m.png": "Success rate over (n/d, m) at the smallest noise, per method",
    "success_m_rgd_minus_gd.png": "Success rate of RGD minus that of GD over (n/d, m)",
    "success_noise.png": "Success rate over (n/d, label noise) at m = 1, per method",
    "success_noise_rgd_minus_gd.png": "Success rate of RGD minus that of GD over (n/d, label noise) at m = 1",
    "recovery_m1.png": "Exact-recovery rate against n at m = 1 without noise (Wilson 95% intervals), with "
                       "P[Bin(n, 1/2) >= d] drawn over it; dotted: n = 2d",
}  # fmt: skip


def _sweep_caption(file: str) -> str:
    name = file.rsplit("/", 1)[-1].removeprefix("sweep_")
    return _SWEEP_CAPTIONS.get(name, name)


def sweep_setting_rows(results: dict) -> list[tuple[str, str]]:
    """The sweep section's settings: where it was read from, its grid, its tolerances, how far it got."""
    sw = results["sweep"]
    settings = sw["summary"]["settings"]
    g = settings["grid"]
    size = ("n", text(g["ns"])) if g.get("ns") is not None else ("n / d", text(g["ratios"]))
    return [
        ("sweep folder", sw["source"]),
        ("sweep profile", text(settings["profile"])),
        ("d", text(g["ds"])),
        size,
        ("m", text(g["ms"])),
        ("label noise S", text(g["noises"])),
        ("lam of rgd", text(g["lams"])),
        ("labels clipped at 0", text(g["clip"])),
        ("methods", text(g["methods"])),
        ("trials per cell", text(g["trials"])),
        ("seed", text(g["seed"])),
        ("iteration budget of gd and rgd", text(g["max_iter"])),
        ("cells finished", f"{len(sw['summary']['cells'])} of {settings['cells']}"),
        ("success: relative training error at most", text(settings["success_train_error"])),
        ("exact recovery: ||x - x*|| / ||x*|| at most", text(settings["recovery_rtol"])),
        ("interval", text(settings["interval"])),
    ]


def sweep_recovery_rows(results: dict) -> list[tuple]:
    """One row per m = 1 recovery rate of ``results["sweep"]["recovery"]``, beside P[Bin(n, 1/2) >= d]."""
    rows = []
    for r in results["sweep"]["recovery"]:
        rate = r["exact_recovery_rate"]
        low, high = rate["ci95"]
        rows.append((count(r["d"]), count(r["n"]), number(r["n"] / r["d"]), r["method"], number(r["lam"]),
                     f"{rate['count']}/{rate['of']}", number(rate["rate"], ".2f"),
                     f"[{number(low, '.2f')}, {number(high, '.2f')}]", number(r["binomial"], ".3f")))  # fmt: skip
    return rows


PANEL_HEADERS = (
    "figure", "panel", "method", "reached zero", "median iterations to zero", "median final training error",
    "median final test error", "median final recovery error", "mu ||A||^2 (median)", "stopped early",
)  # fmt: skip


def panel_rows(results: dict) -> list[tuple[str, ...]]:
    """One row per figure, panel and method, with the panel's summary numbers."""
    rows = []
    for key, fig in results["figures"].items():
        for panel in fig["panels"]:
            for method in ("gd", "rgd"):
                s = panel["summary"][method]
                med = s["median_final"]
                rows.append(
                    (
                        f"{key} (m = {fig['m']}, mu = {text(fig['step'])})",
                        f"{panel['label']}: n = {panel['n']}, d = {panel['d']}",
                        method.upper(),
                        f"{s['reached_zero']}/{s['trials']}",
                        count(s["median_iterations_to_zero"]),
                        text(med.get("train_error")),
                        text(med.get("test_error")),
                        text(med.get("recovery_distance")),
                        text(panel["step_times_norm_squared"]["median"]),
                        f"{s['stopped_early']}/{s['trials']}",
                    )
                )
    return rows


def _choice_rows(results: dict) -> list[tuple[str, str, str]]:
    return [(c["name"], text(c["value"]), c["why"]) for c in results["settings"]["reproduction"]["choices"]]


def _settings_pairs(results: dict) -> list[tuple[str, str]]:
    s = results["settings"]
    cc = s["crosscheck"]
    r = s["reproduction"]
    return [
        ("profile", s["profile"]),
        ("seed", text(s["seed"])),
        ("command", s["command"]),
        ("claims ledger profile", s["ledger_profile"]),
        ("reproduction: trials per panel", text(r["trials"])),
        ("reproduction: trial seeds", f"{r['seeds'][0]} .. {r['seeds'][-1]}" if r["seeds"] else "-"),
        ("cross-check: m", text(cc["ms"])),
        ("cross-check: n", text(cc["ns"])),
        ("cross-check: d", text(cc["ds"])),
        ("cross-check: small grid for the certified bounds (n; d)", f"{text(cc['small_ns'])}; {text(cc['small_ds'])}"),
        ("cross-check: instances per (m, n, d)", text(cc["trials"])),
        ("cross-check: instance seeds", cc["seeds"]),
        ("cross-check: data", cc["data"]),
        ("cross-check: backends", text(cc["backends"])),
        ("cross-check: GD/RGD step and budget", cc["descent"]),
    ]


# --- HTML ----------------------------------------------------------------------

# Numbers never break across lines (.num); tables scroll sideways in their own box (.scroll) rather than widen
# the page; a counterexample's matrices are small tables with bracket-like sides (.matrix).
_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:1320px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
p,li,summary,figcaption{overflow-wrap:break-word}.scroll{overflow-x:auto;max-width:100%;margin:.8em 0}
table{border-collapse:collapse;font-size:.86em}th,td{border:1px solid #ccc;padding:.25em .5em;
vertical-align:top;text-align:left}th{background:#f3f3f3}td.numeric{text-align:right}td.prose{min-width:20em}
.num{white-space:nowrap;font-variant-numeric:tabular-nums}
.summary td:first-child{font-weight:600;white-space:nowrap}.yes{color:#1b7a3a;font-weight:600}
.no{color:#b00020;font-weight:600}img{max-width:100%;height:auto;border:1px solid #ddd}figure{margin:1em 0}
figcaption{font-size:.9em;color:#444}.unavailable{background:#fff4e5;border:1px solid #f0b35a;padding:.6em}
code{font-size:.92em}details{margin:.5em 0}summary{cursor:pointer}.muted{color:#666;font-size:.9em}
.cx{min-width:12em}.cx p{margin:.15em 0}.cx-values{display:flex;flex-wrap:wrap;align-items:center;gap:.4em 1.4em;
margin:.4em 0}.cx-item{display:flex;align-items:center;gap:.35em}
table.matrix{font-size:1em;border-collapse:separate;border-spacing:0;border:solid #555;border-width:0 2px;
background:linear-gradient(#555,#555) left top/5px 2px,linear-gradient(#555,#555) left bottom/5px 2px,
linear-gradient(#555,#555) right top/5px 2px,linear-gradient(#555,#555) right bottom/5px 2px;
background-repeat:no-repeat}table.matrix td{border:0;padding:.1em .4em;text-align:right}
@media (max-width:40em){body{margin:1em auto;padding:0 .6em}h1{font-size:1.35em}
table.cards,table.cards tbody,table.cards tr,table.cards td{display:block}table.cards tr{border:1px solid #ccc;
margin:0 0 .6em}table.cards thead{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%)}
table.cards td{border:0;border-top:1px solid #eee;min-width:0;text-align:left}
table.cards td:first-child{border-top:0;background:#f3f3f3}
table.cards td::before{content:attr(data-label) ": ";font-weight:600}}
"""
#: the style sheet as the page carries it: on one line (its line breaks above are for the source only)
_CSS_LINE = _CSS.replace("\n", "")

#: a number in running text: optional sign, digits, decimals, exponent, and "/total" (as in 20/20)
_NUMBER = re.compile(r"(?<![\w.])([-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?:/\d+)?)(?![\w]|\.\d)")


class _Html(str):
    """Markup this module made from escaped parts: a table cell shows it as it is."""


def _e(value) -> str:
    return html.escape(text(value), quote=True)


def _num(shown: str) -> str:
    """A number as shown, in an element that keeps it on one line."""
    return f'<span class="num">{html.escape(shown)}</span>'


def _prose(value) -> str:
    """``value`` as display text, escaped, with every number in it kept on one line (:func:`_num`)."""
    pieces = _NUMBER.split(text(value))  # odd positions hold the numbers
    return "".join(_num(p) if i % 2 else html.escape(p, quote=True) for i, p in enumerate(pieces))


def _scroll(table: str) -> str:
    """A table in a box of the page's width that scrolls sideways when the table is wider."""
    return f'<div class="scroll">{table}</div>'


#: a cell with more characters than this is prose: it keeps a reading width, and on a narrow screen its table
#: becomes one card per row (class ``cards``) so that the prose is read without scrolling sideways
_PROSE_CHARS = 80
#: cells coloured by the verdict they show: (column, value) -> class
_VERDICT_CLASSES = {
    **{(h, "yes"): "yes" for h in ("agrees", "instance agrees")},
    **{(h, "NO"): "no" for h in ("agrees", "instance agrees")},
    ("reproduced", True): "yes",
    ("reproduced", False): "no",
}


def _is_prose(value) -> bool:
    return not isinstance(value, _Html) and len(text(value)) > _PROSE_CHARS


def _cell(header: str, value, numeric, cards: bool) -> str:
    """One ``<td>``; in a table of ``cards`` it carries its column's name, which a narrow screen shows."""
    if isinstance(value, _Html):
        cls, shown = None, value
    else:
        cls = "prose" if _is_prose(value) else "numeric" if header in numeric else None
        if isinstance(value, (str, bool)):
            cls = _VERDICT_CLASSES.get((header, value), cls)
        shown = _prose(value)
    attrs = (f' data-label="{_e(header)}"' if cards else "") + ("" if cls is None else f' class="{cls}"')
    return f"<td{attrs}>{shown}</td>"


def _table(headers, rows, numeric=()) -> str:
    """An HTML table on one line, in its scroll box; cells of the ``numeric`` columns right-aligned."""
    cards = any(_is_prose(v) for row in rows for v in row)
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join(f"<tr>{''.join(_cell(h, v, numeric, cards) for h, v in zip(headers, row))}</tr>" for row in rows)
    table = '<table class="cards">' if cards else "<table>"
    return _scroll(f"{table}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


# --- counterexamples, in both formats -------------------------------------------------------

#: the keys of a counterexample that are sentences or condition names; every other key is a value
_CX_WORDS = ("satisfies", "violates", "why")


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _cx_text(value) -> str:
    """A counterexample's value as text: numbers by :func:`_cx_number`, lists in brackets, anything else as JSON."""
    if _is_number(value):
        return counterexample_number(value)
    if isinstance(value, list):
        return "[" + ", ".join(_cx_text(v) for v in value) + "]"
    return json.dumps(value)


def _matrix_rows(value) -> list[list] | None:
    """The rows of ``value`` as a matrix (a vector is a column), or None when it is not a vector or matrix."""
    if not isinstance(value, list) or not value:
        return None
    if all(_is_number(v) for v in value):
        return [[v] for v in value]
    if all(isinstance(r, list) and r and len(r) == len(value[0]) and all(map(_is_number, r)) for r in value):
        return value
    return None


def _cx_value_html(value) -> str:
    rows = _matrix_rows(value)
    if rows is not None:
        body = "".join("<tr>" + "".join(f"<td>{_num(counterexample_number(v))}</td>" for v in r) + "</tr>" for r in rows)
        return f'<table class="matrix"><tbody>{body}</tbody></table>'
    return _num(counterexample_number(value)) if _is_number(value) else f"<code>{_e(json.dumps(value))}</code>"


def _counterexample_html(cx: dict | None) -> str:
    """A counterexample: why the claim fails, the conditions it satisfies and violates, its data as matrices."""
    if cx is None:
        return _Html(MISSING)
    items = "".join(
        f'<div class="cx-item"><span>{_e(k)} =</span> {_cx_value_html(v)}</div>'
        for k, v in cx.items() if k not in _CX_WORDS
    )  # fmt: skip
    return _Html(
        f'<div class="cx"><p>{_prose(cx["why"])}</p>'
        f'<p class="muted">satisfies: {_e(cx["satisfies"])}; violates: {_e(cx["violates"])}</p>'
        f'<div class="cx-values">{items}</div></div>'
    )


def _counterexample_markdown(condition: str, cx: dict) -> list[str]:
    """A counterexample as a sentence and a table of its values."""
    lines = [
        f"Counterexample when `{condition}` is dropped: {_m(text(cx['why']).rstrip('.'))}. It satisfies "
        f"{_m(cx['satisfies'])}; it violates {_m(cx['violates'])}.",
        "",
    ]
    return lines + _md_table(("quantity", "value"), [(k, _cx_text(v)) for k, v in cx.items() if k not in _CX_WORDS])


# --- the claims ledger, in both formats ---------------------------------------------------

_CLAIM_HEADERS = ("claim", "verdict", "verdict grade", "paper's conditions", "minimal conditions", "minimal grade",
                  "other minimal sets")  # fmt: skip
_CONDITION_HEADERS = ("condition", "necessary", "grade", "counterexample when dropped")
_EVIDENCE_HEADERS = ("evidence", "status", "examples", "seconds", "detail")
_SELFCHECK_HEADERS = ("self-check", "passed", "asserts", "seconds", "detail")
#: the heading of the self-checks of the numeric code, in both formats
_SELFCHECKS_TITLE = "Self-checks of the numeric code"


def _claim_row(claim: dict) -> tuple:
    """The claim's line of the ledger table, grades included (``.get``: a document without grades shows ``-``)."""
    others = "; ".join(f"{condition_names(s['conditions'])} ({grade_text(s['grade'])})"
                       for s in claim.get("other_minimal_sets", ()))  # fmt: skip
    return (claim["id"], claim["verdict"], grade_text(claim.get("verdict_grade")), claim["paper_conditions"],
            claim["minimal_conditions"], grade_text(claim.get("minimal_grade")), others or "-")  # fmt: skip


def _condition_rows(claim: dict, counterexample) -> list[tuple]:
    """The rows of a claim's conditions, graded, each counterexample shown by ``counterexample(cx)``."""
    return [(k["name"], k["necessary"], grade_text(k.get("grade")), counterexample(k["counterexample"]))
            for k in claim["conditions"]]  # fmt: skip


def _why(cx: dict | None) -> str:
    return MISSING if cx is None else f"{text(cx['why'])} (values below)"


def _evidence_rows(claim: dict) -> list[tuple]:
    return [(e["method"], e["status"], e["examples"], number(e["seconds"]), e["detail"]) for e in claim["evidence"]]


def _selfcheck_rows(claims: dict) -> list[tuple]:
    """One row per self-check of the numeric code (``.get``: a document without them has none)."""
    return [(r["name"], r["passed"], r["statement"], number(r["seconds"]), r["detail"])
            for r in claims.get("selfchecks", ())]  # fmt: skip


def _ledger_html(claims: dict) -> str:
    """The claims section as an HTML fragment; every string is escaped."""
    head = "".join(f"<th>{_e(h)}</th>" for h in _CLAIM_HEADERS)
    parts = [
        f"<p>{_e(ledger_summary(claims))} Seed {_e(claims['seed'])}.</p>",
        '<div class="scroll">',
        f"<table><thead><tr>{head}</tr></thead><tbody>",
    ]
    for c in claims["claims"]:
        row = _claim_row(c)
        cells = "".join(f"<td>{_e(v)}</td>" for v in row[1:])
        parts.append(f"<tr><td><a href=\"#claim-{_e(c['id'])}\">{_e(c['id'])}</a></td>{cells}</tr>")
    parts.append("</tbody></table>")
    parts.append("</div>")
    for c in claims["claims"]:
        parts += [
            f"<details id=\"claim-{_e(c['id'])}\"><summary><code>{_e(c['id'])}</code>: {_e(c['verdict'])}</summary>",
            f"<p>{_e(c['statement'])}</p>",
        ]
        if c["conditions"]:
            parts.append(_table(_CONDITION_HEADERS, _condition_rows(c, _counterexample_html)))
        if c["evidence"]:
            parts.append(_table(_EVIDENCE_HEADERS, _evidence_rows(c)))
        parts.append("</details>")
    rows = _selfcheck_rows(claims)
    if rows:
        opened = " open" if not all(r[1] for r in rows) else ""  # a failure is shown, not folded away
        parts += [f"<details id=\"selfchecks\"{opened}><summary>{_e(_SELFCHECKS_TITLE)}: "
                  f"{_e(selfcheck_summary(claims))}</summary>", _table(_SELFCHECK_HEADERS, rows), "</details>"]  # fmt: skip
    return "\n".join(parts)


def _ledger_markdown(claims: dict) -> list[str]:
    """The claims section as Markdown lines."""
    lines = [f"{_m(ledger_summary(claims))} Seed {_m(claims['seed'])}.", ""]
    lines += _md_table(_CLAIM_HEADERS, [_claim_row(c) for c in claims["claims"]])
    for c in claims["claims"]:
        lines += [f"#### {_m(c['id'])}: {_m(c['verdict'])}", "", _m(c["statement"]), ""]
        if c["conditions"]:
            lines += _md_table(_CONDITION_HEADERS, _condition_rows(c, _why))
            for k in c["conditions"]:
                if k["counterexample"] is not None:
                    lines += _counterexample_markdown(k["name"], k["counterexample"])
        if c["evidence"]:
            lines += _md_table(_EVIDENCE_HEADERS, _evidence_rows(c))
    rows = _selfcheck_rows(claims)
    if rows:
        lines += [f"#### {_SELFCHECKS_TITLE}", "", _m(selfcheck_summary(claims)), ""]
        lines += _md_table(_SELFCHECK_HEADERS, rows)
    return lines


def render_html(results: dict, images: dict[str, bytes]) -> str:
    """The self-contained page; ``images[key]`` are the PNG bytes of ``results["figures"][key]`` and
    ``images[file]`` those of each file of ``results["sweep"]["figures"]`` (a report with a sweep section)."""
    s = results["settings"]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>relurelax validation report</title>",
        f"<style>{_CSS_LINE}</style></head><body>",
        "<h1>relurelax validation report</h1>",
        "<p class=\"muted\">Checks of <em>Convex Optimization for Shallow Neural Networks</em> (T. Ergen and "
        f"M. Pilanci, Allerton 2019). Profile <code>{_e(s['profile'])}</code>, seed {_e(s['seed'])}; "
        f"regenerate with <code>{_e(s['command'])}</code>.</p>",
        "<h2 id=\"summary\">Verdict summary</h2>",
        '<div class="scroll"><table class="summary"><tbody>',
    ]
    for section, sentence in verdicts(results):
        parts.append(f"<tr><td>{_e(section)}</td><td>{_prose(sentence)}</td></tr>")
    parts.append("</tbody></table></div>")

    parts += ["<h2 id=\"claims\">Claims ledger</h2>", _ledger_html(results["claims"])]

    cc = results["crosscheck"]
    tol = cc["tolerances"]
    parts += [
        "<h2 id=\"crosscheck\">Cross-check against CVXPY</h2>",
        "<p>m = 1: GD (2) and RGD (5) run to stationarity and each CVXPY backend minimises the relaxation f_r (3) "
        "(QP form, with KKT residuals). RGD and the backends all claim min f_r and agree pairwise when their f_r "
        "values differ by at most max(rtol_a, rtol_b) ||y||^2; every solution's f must also lie above that "
        "optimum (Theorem 1: min f = min f_r). m &gt; 1: CVXPY cannot minimise f_mp (14); the activation cell RGD "
        "(17) ends in is fixed and each backend minimises f_m (9) over that cell; RGD's f_m must equal the cell "
        "optimum. Values are divided by ||y||^2. Recovery errors are reported, not compared: when n is not "
        "well above d the minimisers of f_r are not unique. On the small grid (few activation cells) the global "
        "method exact also runs: for m = 1 the exact min f over every cell, which must equal min f_r (Theorem 1), "
        "for m &gt; 1 the lower bound P_+ &lt;= min f_m and the best network found; every solution's loss must lie "
        "on or above that certified bound, and 'gap to bound' is how far above (0 means the solution is a proved "
        "global minimum).</p>",
        _table(("solver", "agreement rtol"), [(k, text(v)) for k, v in tol["agreement_rtol"].items()], ("agreement rtol",)),
        _table(TABLE_HEADERS, table_rows(cc), set(TABLE_HEADERS) - {"instance", "solution", "stop"}),
    ]
    problems = disagreements(cc)
    if problems:
        items = "".join(f"<li>{_prose(p)}</li>" for p in problems)
        parts.append(f"<p class=\"no\">Disagreements:</p><ul>{items}</ul>")

    parts.append("<h2 id=\"figures\">Figures 1 and 2, reproduced</h2>")
    for key, fig in results["figures"].items():
        data = base64.b64encode(images[key]).decode("ascii")
        parts.append(
            f'<figure><img alt="{_e(fig["caption"])}" src="data:image/png;base64,{data}">'
            f"<figcaption>{_prose(fig['caption'])}. Medians over trials with 25th-75th percentile bands; values "
            f"below {_num(number(LOG_FLOOR))} are drawn at {_num(number(LOG_FLOOR))}.</figcaption></figure>"
        )
    parts.append(_table(PANEL_HEADERS, panel_rows(results), set(PANEL_HEADERS[3:9])))

    parts += [
        "<h2 id=\"findings\">Paper findings</h2>",
        _table(("#", "finding (Section III)", "reproduced", "evidence"),
               [(i, f["finding"], f["reproduced"], f["evidence"])
                for i, f in enumerate(results["paper_findings"], 1)]),
    ]  # fmt: skip

    gap = results["relaxation_gap"]
    parts += [
        "<h2 id=\"relaxation-gap\">Beyond the paper: what the relaxation loses</h2>",
        f"<p>{_prose(GAP_TEXT)}</p>",
        _table(GAP_HEADERS, gap_rows(results), set(GAP_HEADERS) - {"instance"}),
        _table(("finding", "holds", "evidence"), [(gap["finding"]["finding"], gap["finding"]["holds"],
                                                   gap["finding"]["evidence"])]),
    ]  # fmt: skip

    if "sweep" in results:
        parts += _sweep_html(results, images)

    parts += [
        "<h2 id=\"settings\">Settings</h2>",
        _table(("setting", "value"), _settings_pairs(results)),
        "<h3>Choices the paper leaves open</h3>",
        _table(("choice", "value", "why"), _choice_rows(results)),
        "<h3>Versions</h3>",
        _table(("package", "version"), list(results["versions"].items())),
        "<h3>Timings (seconds)</h3>",
        _table(("stage", "seconds"), [(k, text(v)) for k, v in results["timings"].items()], ("seconds",)),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _sweep_html(results: dict, images: dict[str, bytes]) -> list[str]:
    """The sweep section of the page: text, settings, the recovery table and the figures, embedded."""
    parts = [
        f"<h2 id=\"sweep\">{_e(SWEEP_TITLE)}</h2>",
        f"<p>{_prose(SWEEP_TEXT)}</p>",
        _table(("setting", "value"), sweep_setting_rows(results)),
        _table(SWEEP_RECOVERY_HEADERS, sweep_recovery_rows(results),
               set(SWEEP_RECOVERY_HEADERS) - {"method", "Wilson 95%"}),
    ]  # fmt: skip
    for file in results["sweep"]["figures"]:
        data = base64.b64encode(images[file]).decode("ascii")
        caption = _sweep_caption(file)
        parts.append(f'<figure><img alt="{_e(caption)}" src="data:image/png;base64,{data}">'
                     f"<figcaption>{_prose(caption)}.</figcaption></figure>")  # fmt: skip
    return parts


# --- Markdown ------------------------------------------------------------------


#: what would start raw HTML in Markdown (a tag, a closing tag, a comment, a declaration, an autolink) ...
_HTML_START = re.compile(r"<(?=[A-Za-z/!?])")
#: ... and a character reference, which Markdown would decode
_ENTITY = re.compile(r"&(?=#?\w+;)")


def md_cell(value: str) -> str:
    r"""``value`` made safe inside a Markdown table cell: no raw HTML, no table pipe, no line break.

    Only a ``<`` that would start raw HTML (before a letter, ``/``, ``!`` or
    ``?``) becomes ``&lt;`` and only an ``&`` that starts a character
    reference becomes ``&amp;``, so ``f_r >= f`` and ``u < 0`` read as they
    are written.
    """
    value = _HTML_START.sub("&lt;", _ENTITY.sub("&amp;", value))
    return value.replace("|", "\\|").replace("\n", " ")


def _m(value) -> str:
    return md_cell(text(value))


def _md_table(headers, rows) -> list[str]:
    lines = ["| " + " | ".join(_m(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_m(v) for v in row) + " |" for row in rows]
    return lines + [""]


def render_markdown(results: dict) -> str:
    """``report.md``: the page's content as Markdown, figures linked from ``figures/``."""
    s = results["settings"]
    lines = [
        "# relurelax validation report",
        "",
        "Checks of *Convex Optimization for Shallow Neural Networks* (T. Ergen and M. Pilanci, Allerton 2019). "
        f"Profile `{s['profile']}`, seed {_m(s['seed'])}; regenerate with `{s['command']}`.",
        "",
        "## Verdict summary",
        "",
    ]
    lines += _md_table(("section", "verdict"), verdicts(results))
    lines += ["## Claims ledger", ""] + _ledger_markdown(results["claims"])
    cc = results["crosscheck"]
    lines += [
        "## Cross-check against CVXPY",
        "",
        "m = 1: RGD and each backend minimise f_r and agree pairwise within max(rtol_a, rtol_b) ||y||^2; every "
        "solution's f lies above the optimum (Theorem 1). m > 1: RGD's f_m equals the optimum of f_m over RGD's "
        "activation cell. Values divided by ||y||^2; recovery errors are reported, not compared. On the small grid the "
        "global method exact gives a certified lower bound (exact min f for m = 1, which must equal min f_r; P_+ <= "
        "min f_m for m > 1); no loss may lie below it, and 'gap to bound' is each solution's distance above it.",
        "",
    ]
    lines += _md_table(("solver", "agreement rtol"), [(k, text(v)) for k, v in cc["tolerances"]["agreement_rtol"].items()])
    lines += _md_table(TABLE_HEADERS, table_rows(cc))
    problems = disagreements(cc)
    if problems:
        lines += ["**Disagreements:**", ""] + [f"- {_m(p)}" for p in problems] + [""]
    lines += ["## Figures 1 and 2, reproduced", ""]
    for key, fig in results["figures"].items():
        lines += [f"![{_m(fig['caption'])}]({fig['file']})", "", f"*{_m(fig['caption'])}.*", ""]
    lines += _md_table(PANEL_HEADERS, panel_rows(results))
    lines += ["## Paper findings", ""]
    lines += _md_table(
        ("#", "finding (Section III)", "reproduced", "evidence"),
        [(i, f["finding"], f["reproduced"], f["evidence"])
         for i, f in enumerate(results["paper_findings"], 1)],
    )  # fmt: skip
    gap = results["relaxation_gap"]
    lines += ["## Beyond the paper: what the relaxation loses", "", md_cell(GAP_TEXT), ""]
    lines += _md_table(GAP_HEADERS, gap_rows(results))
    lines += _md_table(("finding", "holds", "evidence"),
                       [(gap["finding"]["finding"], gap["finding"]["holds"], gap["finding"]["evidence"])])  # fmt: skip
    if "sweep" in results:
        lines += [f"## {SWEEP_TITLE}", "", md_cell(SWEEP_TEXT), ""]
        lines += _md_table(("setting", "value"), sweep_setting_rows(results))
        lines += _md_table(SWEEP_RECOVERY_HEADERS, sweep_recovery_rows(results))
        for file in results["sweep"]["figures"]:
            lines += [f"![{_m(_sweep_caption(file))}]({file})", "", f"*{_m(_sweep_caption(file))}.*", ""]
    lines += ["## Settings", ""]
    lines += _md_table(("setting", "value"), _settings_pairs(results))
    lines += ["### Choices the paper leaves open", ""]
    lines += _md_table(("choice", "value", "why"), _choice_rows(results))
    lines += ["### Versions", ""]
    lines += _md_table(("package", "version"), list(results["versions"].items()))
    lines += ["### Timings (seconds)", ""]
    lines += _md_table(("stage", "seconds"), [(k, text(v)) for k, v in results["timings"].items()])
    return "\n".join(lines)

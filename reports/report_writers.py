r"""The rendering layer of the validation report: ``report.md`` and a self-contained ``index.html``.

Every renderer reads the serialised results (the content of
``results.json``, schema ``relurelax.report/1``: ``schema, settings,
versions, claims, crosscheck, figures, paper_findings, timings``) and nothing
else, so every number on the page is a number of ``results.json``, and no
renderer decides a verdict: whether the ledger is ok (``claims.ok``), whether
the cross-check agrees (``crosscheck.agree`` and each instance's ``agree``)
and whether a finding reproduced (``reproduced``) were decided when the
results were computed. Values are shown through :mod:`.formatting`. The HTML
page embeds the figures as base64 ``data:`` URIs and escapes every string
with :func:`html.escape`; the Markdown escapes HTML and table pipes.
"""

from __future__ import annotations

import base64
import html
from collections import Counter

from .crosscheck import TABLE_HEADERS, disagreements, table_rows
from .formatting import number, text
from .ledger_section import condition_names, grade_text, ledger_state

__all__ = [
    "render_html",
    "render_markdown",
    "verdicts",
    "ledger_summary",
    "panel_rows",
    "PANEL_HEADERS",
    "md_cell",
]


# --- shared pieces ------------------------------------------------------------


def ledger_summary(claims: dict) -> str:
    """The claims ledger in a few sentences: verdicts counted, strict or not, ok or not, what it establishes."""
    items = claims["claims"]
    counts = Counter(c["verdict"] for c in items)
    verdict_counts = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
    strict = " (strict: a minimal set that rests on searches makes it not ok)" if claims.get("strict") else ""
    state = "Ledger consistent (ok)." if claims["ok"] else "Ledger NOT ok: see the claims below."
    return f"{len(items)} claims ({verdict_counts}), profile {claims['profile']}{strict}. {state} {ledger_state(claims)}"


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
    return out


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
                        text(s["median_iterations_to_zero"]),
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
        ("cross-check: instances per (m, n, d)", text(cc["trials"])),
        ("cross-check: instance seeds", cc["seeds"]),
        ("cross-check: data", cc["data"]),
        ("cross-check: backends", text(cc["backends"])),
        ("cross-check: GD/RGD step and budget", cc["descent"]),
    ]


# --- HTML ----------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:1200px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.8em 0;font-size:.86em}th,td{border:1px solid #ccc;padding:.25em .5em;
vertical-align:top;text-align:left}th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}
.summary td:first-child{font-weight:600;white-space:nowrap}.yes{color:#1b7a3a;font-weight:600}
.no{color:#b00020;font-weight:600}img{max-width:100%;border:1px solid #ddd}figure{margin:1em 0}
figcaption{font-size:.9em;color:#444}.unavailable{background:#fff4e5;border:1px solid #f0b35a;padding:.6em}
code{font-size:.92em}details{margin:.5em 0}summary{cursor:pointer}.muted{color:#666;font-size:.9em}
"""
#: the style sheet as the page carries it: on one line (its line breaks above are for the source only)
_CSS_LINE = _CSS.replace("\n", "")


def _e(value) -> str:
    return html.escape(text(value), quote=True)


def _table(headers, rows, numeric=(), code=()) -> str:
    """An HTML table on one line; cells of the ``numeric`` columns right-aligned, of the ``code`` columns in ``<code>``."""
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = []
        for h, v in zip(headers, row):
            cls = ' class="num"' if h in numeric else ""
            if v in ("yes", "NO") and h in ("agrees", "instance agrees", "optimum = planted 0"):
                cls = ' class="yes"' if v == "yes" else ' class="no"'
            cells.append(f"<td{cls}><code>{_e(v)}</code></td>" if h in code else f"<td{cls}>{_e(v)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>" + "".join(body) + "</tbody></table>"


# --- the claims ledger, in both formats ---------------------------------------------------

_CLAIM_HEADERS = ("claim", "verdict", "verdict grade", "paper's conditions", "minimal conditions", "minimal grade",
                  "other minimal sets")  # fmt: skip
_CONDITION_HEADERS = ("condition", "necessary", "grade", "counterexample when dropped")
_EVIDENCE_HEADERS = ("evidence", "status", "examples", "seconds", "detail")


def _claim_row(claim: dict) -> tuple:
    """The claim's line of the ledger table, grades included (``.get``: a document without grades shows ``-``)."""
    others = "; ".join(f"{condition_names(s['conditions'])} ({grade_text(s['grade'])})"
                       for s in claim.get("other_minimal_sets", ()))  # fmt: skip
    return (claim["id"], claim["verdict"], grade_text(claim.get("verdict_grade")), claim["paper_conditions"],
            claim["minimal_conditions"], grade_text(claim.get("minimal_grade")), others or "-")  # fmt: skip


def _condition_rows(claim: dict) -> list[tuple]:
    return [(k["name"], k["necessary"], grade_text(k.get("grade")), k["counterexample"]) for k in claim["conditions"]]


def _evidence_rows(claim: dict) -> list[tuple]:
    return [(e["method"], e["status"], e["examples"], number(e["seconds"]), e["detail"]) for e in claim["evidence"]]


def _ledger_html(claims: dict) -> str:
    """The claims section as an HTML fragment; every string is escaped."""
    head = "".join(f"<th>{_e(h)}</th>" for h in _CLAIM_HEADERS)
    parts = [
        f"<p>{_e(ledger_summary(claims))} Seed {_e(claims['seed'])}.</p>",
        f"<table><thead><tr>{head}</tr></thead><tbody>",
    ]
    for c in claims["claims"]:
        row = _claim_row(c)
        cells = "".join(f"<td>{_e(v)}</td>" for v in row[1:])
        parts.append(f"<tr><td><a href=\"#claim-{_e(c['id'])}\">{_e(c['id'])}</a></td>{cells}</tr>")
    parts.append("</tbody></table>")
    for c in claims["claims"]:
        parts += [
            f"<details id=\"claim-{_e(c['id'])}\"><summary><code>{_e(c['id'])}</code>: {_e(c['verdict'])}</summary>",
            f"<p>{_e(c['statement'])}</p>",
        ]
        if c["conditions"]:
            parts.append(_table(_CONDITION_HEADERS, _condition_rows(c), code=("counterexample when dropped",)))
        if c["evidence"]:
            parts.append(_table(_EVIDENCE_HEADERS, _evidence_rows(c)))
        parts.append("</details>")
    return "\n".join(parts)


def _ledger_markdown(claims: dict) -> list[str]:
    """The claims section as Markdown lines."""
    lines = [f"{_m(ledger_summary(claims))} Seed {_m(claims['seed'])}.", ""]
    lines += _md_table(_CLAIM_HEADERS, [_claim_row(c) for c in claims["claims"]])
    for c in claims["claims"]:
        lines += [f"#### {_m(c['id'])}: {_m(c['verdict'])}", "", _m(c["statement"]), ""]
        if c["conditions"]:
            lines += _md_table(_CONDITION_HEADERS, _condition_rows(c))
        if c["evidence"]:
            lines += _md_table(_EVIDENCE_HEADERS, _evidence_rows(c))
    return lines


def render_html(results: dict, images: dict[str, bytes]) -> str:
    """The self-contained page; ``images[key]`` are the PNG bytes of ``results["figures"][key]``."""
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
        '<table class="summary"><tbody>',
    ]
    for section, sentence in verdicts(results):
        parts.append(f"<tr><td>{_e(section)}</td><td>{_e(sentence)}</td></tr>")
    parts.append("</tbody></table>")

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
        "well above d the minimisers of f_r are not unique.</p>",
        _table(("solver", "agreement rtol"), [(k, text(v)) for k, v in tol["agreement_rtol"].items()], ("agreement rtol",)),
        _table(TABLE_HEADERS, table_rows(cc), set(TABLE_HEADERS) - {"instance", "solution", "stop"}),
    ]
    problems = disagreements(cc)
    if problems:
        parts.append("<p class=\"no\">Disagreements:</p><ul>" + "".join(f"<li>{_e(p)}</li>" for p in problems) + "</ul>")

    parts.append("<h2 id=\"figures\">Figures 1 and 2, reproduced</h2>")
    for key, fig in results["figures"].items():
        data = base64.b64encode(images[key]).decode("ascii")
        parts.append(
            f'<figure><img alt="{_e(fig["caption"])}" src="data:image/png;base64,{data}">'
            f"<figcaption>{_e(fig['caption'])}. Medians over trials with 25th-75th percentile bands; "
            "values below 1e-16 are drawn at 1e-16.</figcaption></figure>"
        )
    parts.append(_table(PANEL_HEADERS, panel_rows(results), set(PANEL_HEADERS[3:9])))

    parts += ["<h2 id=\"findings\">Paper findings</h2>", "<table><thead><tr><th>#</th><th>finding (Section III)</th>"
              "<th>reproduced</th><th>evidence</th></tr></thead><tbody>"]  # fmt: skip
    for i, f in enumerate(results["paper_findings"], 1):
        cls = "yes" if f["reproduced"] else "no"
        parts.append(f"<tr><td>{i}</td><td>{_e(f['finding'])}</td><td class=\"{cls}\">"
                     f"{_e(f['reproduced'])}</td><td>{_e(f['evidence'])}</td></tr>")  # fmt: skip
    parts.append("</tbody></table>")

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


# --- Markdown ------------------------------------------------------------------


def md_cell(value: str) -> str:
    """``value`` made safe inside a Markdown table cell (HTML escaped, pipes and newlines neutralised)."""
    return html.escape(value, quote=False).replace("|", "\\|").replace("\n", " ")


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
        "activation cell. Values divided by ||y||^2; recovery errors are reported, not compared.",
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
    lines += ["## Settings", ""]
    lines += _md_table(("setting", "value"), _settings_pairs(results))
    lines += ["### Choices the paper leaves open", ""]
    lines += _md_table(("choice", "value", "why"), _choice_rows(results))
    lines += ["### Versions", ""]
    lines += _md_table(("package", "version"), list(results["versions"].items()))
    lines += ["### Timings (seconds)", ""]
    lines += _md_table(("stage", "seconds"), [(k, text(v)) for k, v in results["timings"].items()])
    return "\n".join(lines)

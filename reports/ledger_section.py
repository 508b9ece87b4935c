r"""The claims-ledger section of the report: one call into the ledger, and its rendering.

:func:`run_ledger_section` is the only place the report calls the ledger
(``relurelax.proofs.ledger.run_ledger``, the claims of Propositions 1-2,
Theorems 1-2 and Corollary 1 with their symbolic, SMT, property and solver
evidence). It returns the ledger's JSON (``profile, seed, versions, claims``)
plus ``ok``.

The renderers read only that JSON: ``claims[i]`` has ``id, statement,
paper_conditions, minimal_conditions, verdict, conditions`` (``name,
necessary, counterexample``) and ``evidence`` (``method, status, examples,
seconds, detail``).
"""

from __future__ import annotations

import html
import json
from collections import Counter
from typing import Callable

__all__ = [
    "LEDGER_PROFILES",
    "run_ledger_section",
    "ledger_summary",
    "ledger_html",
    "ledger_markdown",
    "md_cell",
]

#: report profile -> ledger profile
LEDGER_PROFILES = {"quick": "quick", "default": "default", "full": "thorough"}

def run_ledger_section(profile: str, seed: int, progress: Callable | None = None) -> dict:
    """Run the claims ledger at the ledger profile matching the report ``profile``.

    Returns ``{**ledger.to_json(), "ok": ledger.ok}``. The ledger is imported
    here, not at module level, so that loading the report writers does not
    load sympy, z3 and hypothesis.
    """
    from relurelax.proofs.ledger import run_ledger

    ledger = run_ledger(profile=LEDGER_PROFILES[profile], seed=seed, progress=progress)
    data = dict(ledger.to_json())
    data["ok"] = bool(ledger.ok)
    return data


def ledger_summary(claims: dict) -> str:
    """One sentence for the verdict summary."""
    items = claims.get("claims", [])
    counts = Counter(str(c.get("verdict")) for c in items)
    verdicts = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
    ok = claims.get("ok")
    state = "" if ok is None else (" Ledger consistent (ok)." if ok else " Ledger NOT ok: see the claims below.")
    return f"{len(items)} claims ({verdicts}), profile {claims.get('profile')}.{state}"


def _text(value) -> str:
    """A JSON value as display text (strings as they are; lists joined; objects as compact JSON)."""
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return ", ".join(value) if value else "(none)"
    return json.dumps(value, sort_keys=True, separators=(", ", ": "))


def _e(value) -> str:
    return html.escape(_text(value), quote=True)


def ledger_html(claims: dict) -> str:
    """The claims section as an HTML fragment; every string is escaped."""
    parts = [
        f"<p>{_e(ledger_summary(claims))} Seed {_e(claims.get('seed'))}.</p>",
        "<table><thead><tr><th>claim</th><th>verdict</th><th>paper's conditions</th>"
        "<th>minimal conditions</th></tr></thead><tbody>",
    ]
    for c in claims.get("claims", []):
        parts.append(
            f"<tr><td><a href=\"#claim-{_e(c.get('id'))}\">{_e(c.get('id'))}</a></td><td>{_e(c.get('verdict'))}</td>"
            f"<td>{_e(c.get('paper_conditions'))}</td><td>{_e(c.get('minimal_conditions'))}</td></tr>"
        )
    parts.append("</tbody></table>")
    for c in claims.get("claims", []):
        parts.append(f"<details id=\"claim-{_e(c.get('id'))}\"><summary><code>{_e(c.get('id'))}</code>: "
                     f"{_e(c.get('verdict'))}</summary>")  # fmt: skip
        parts.append(f"<p>{_e(c.get('statement'))}</p>")
        conditions = c.get("conditions") or []
        if conditions:
            parts.append("<table><thead><tr><th>condition</th><th>necessary</th><th>counterexample when dropped</th>"
                         "</tr></thead><tbody>")  # fmt: skip
            for k in conditions:
                parts.append(f"<tr><td>{_e(k.get('name'))}</td><td>{_e(k.get('necessary'))}</td>"
                             f"<td><code>{_e(k.get('counterexample'))}</code></td></tr>")  # fmt: skip
            parts.append("</tbody></table>")
        evidence = c.get("evidence") or []
        if evidence:
            parts.append("<table><thead><tr><th>evidence</th><th>status</th><th>examples</th><th>seconds</th>"
                         "<th>detail</th></tr></thead><tbody>")  # fmt: skip
            for ev in evidence:
                seconds = ev.get("seconds")
                sec = f"{seconds:.3g}" if isinstance(seconds, (int, float)) and not isinstance(seconds, bool) else _text(seconds)
                parts.append(f"<tr><td>{_e(ev.get('method'))}</td><td>{_e(ev.get('status'))}</td>"
                             f"<td>{_e(ev.get('examples'))}</td><td>{html.escape(sec)}</td>"
                             f"<td>{_e(ev.get('detail'))}</td></tr>")  # fmt: skip
            parts.append("</tbody></table>")
        parts.append("</details>")
    return "\n".join(parts)


def md_cell(text: str) -> str:
    """``text`` made safe inside a Markdown table cell (HTML escaped, pipes and newlines neutralised)."""
    return html.escape(text, quote=False).replace("|", "\\|").replace("\n", " ")


def _md(value) -> str:
    return md_cell(_text(value))


def ledger_markdown(claims: dict) -> str:
    """The claims section as Markdown."""
    lines = [
        f"{_md(ledger_summary(claims))} Seed {_md(claims.get('seed'))}.",
        "",
        "| claim | verdict | paper's conditions | minimal conditions |",
        "|---|---|---|---|",
    ]
    for c in claims.get("claims", []):
        lines.append(f"| {_md(c.get('id'))} | {_md(c.get('verdict'))} | {_md(c.get('paper_conditions'))} | "
                     f"{_md(c.get('minimal_conditions'))} |")  # fmt: skip
    for c in claims.get("claims", []):
        lines += ["", f"#### {_md(c.get('id'))}: {_md(c.get('verdict'))}", "", _md(c.get("statement")), ""]
        conditions = c.get("conditions") or []
        if conditions:
            lines += ["| condition | necessary | counterexample when dropped |", "|---|---|---|"]
            lines += [f"| {_md(k.get('name'))} | {_md(k.get('necessary'))} | {_md(k.get('counterexample'))} |"
                      for k in conditions]  # fmt: skip
            lines.append("")
        evidence = c.get("evidence") or []
        if evidence:
            lines += ["| evidence | status | examples | seconds | detail |", "|---|---|---|---|---|"]
            for ev in evidence:
                seconds = ev.get("seconds")
                sec = f"{seconds:.3g}" if isinstance(seconds, (int, float)) and not isinstance(seconds, bool) else _md(seconds)
                lines.append(f"| {_md(ev.get('method'))} | {_md(ev.get('status'))} | {_md(ev.get('examples'))} | "
                             f"{sec} | {_md(ev.get('detail'))} |")  # fmt: skip
    return "\n".join(lines) + "\n"

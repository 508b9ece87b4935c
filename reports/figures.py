r"""PNG drawings of the reproduced Figures 1 and 2, from the ``figures`` section of ``results.json``.

One PNG per figure: columns are the panels (n < d, n = d, n > d), rows the
errors (training, test and, for Figure 1, recovery). Each axis shows the
median over trials of GD and of RGD against iterations with a band from the
25th to the 75th percentile, on a log scale on which values below
:data:`LOG_FLOOR` are drawn at the floor. Drawn with matplotlib's
object-oriented API on the Agg canvas (no pyplot state, no display), with no
timestamp or version in the file, so the same results give the same bytes.
"""

from __future__ import annotations

import io
import os

import numpy as np

__all__ = ["LOG_FLOOR", "draw_figure", "draw_figures", "COLORS"]

#: smallest value drawn on the log axes; exact zeros and float64 round-off sit here
LOG_FLOOR = 1e-16
COLORS = {"gd": "#d95f02", "rgd": "#1b9e77"}
_LABELS = {"gd": "GD", "rgd": "RGD"}
_METRIC_TITLES = {
    "train_error": "training error  ||r|| / ||y||",
    "test_error": "test error (100 samples)",
    "recovery_distance": "recovery error  ||x - x*||",
}


def _values(values) -> np.ndarray:
    arr = np.asarray([np.nan if v is None else v for v in values], dtype=float)
    return np.maximum(arr, LOG_FLOOR)


def draw_figure(figure: dict) -> bytes:
    """Draw one figure (an entry of ``results["figures"]``) and return the PNG bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    panels = figure["panels"]
    metrics = figure["metrics"]
    fig = Figure(figsize=(4.2 * len(panels), 2.9 * len(metrics)), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(metrics), len(panels), squeeze=False, sharex="col")
    for col, panel in enumerate(panels):
        x = np.asarray(panel["iterations"], dtype=float)
        for row, metric in enumerate(metrics):
            ax = axes[row][col]
            for method in ("gd", "rgd"):
                curve = panel["curves"][method][metric]
                color = COLORS[method]
                ax.fill_between(x, _values(curve["q25"]), _values(curve["q75"]), color=color, alpha=0.25, linewidth=0)
                ax.plot(x, _values(curve["median"]), color=color, linewidth=1.6, label=_LABELS[method])
            ax.set_yscale("log")
            ax.grid(True, which="major", alpha=0.3)
            if row == 0:
                letter = "abcdefgh"[col] if col < 8 else str(col)
                ax.set_title(f"({letter}) {panel['label']}: n = {panel['n']}, d = {panel['d']}", fontsize=10)
            if col == 0:
                ax.set_ylabel(_METRIC_TITLES.get(metric, metric), fontsize=9)
            if row == len(metrics) - 1:
                ax.set_xlabel("iterations", fontsize=9)
            ax.tick_params(which="both", labelsize=8)
    axes[0][0].legend(loc="lower left", fontsize=8)
    trials = panels[0]["summary"]["gd"]["trials"] if panels else 0
    fig.suptitle(
        f"{figure['caption']}; median over {trials} trials, band: 25th-75th percentile",
        fontsize=10,
    )
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, metadata={"Software": None})
    return buffer.getvalue()


def draw_figures(figures: dict, folder: str) -> dict[str, bytes]:
    """Write ``figure["file"]`` under ``folder`` for every figure; returns ``{key: png bytes}``."""
    images = {}
    for key, figure in figures.items():
        data = draw_figure(figure)
        path = os.path.join(folder, figure["file"])
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(data)
        images[key] = data
    return images

"""Server-side charts of the judge reliability report: SVG drawn with matplotlib's OO API.

``Figure`` objects only (never ``pyplot``: no global state shared between requests), text
kept as text (``svg.fonttype = "none"``) so charts stay small and readable.  The page's
Content-Security-Policy forbids inline style attributes and ``<style>`` elements, and matplotlib's
SVG styles every path inline: :func:`without_inline_styles` turns them into SVG presentation
attributes, which no policy blocks, so a chart keeps its colours wherever it is opened.  Pages
embed each chart as an ``<img>`` with a ``data:`` URI (allowed by ``img-src 'self' data:``): the SVG
is still produced and shipped inline with the page, with no extra request and no script.
"""

from __future__ import annotations

import base64
import io
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from flask import current_app, has_app_context

GREEN = "#1b6b4a"
GOLD = "#d9a400"
GREY = "#8a958f"


def _matplotlib() -> Any:
    if "MPLCONFIGDIR" not in os.environ:
        base = Path(current_app.instance_path) if has_app_context() else Path("/tmp")
        path = base / "matplotlib"
        path.mkdir(parents=True, exist_ok=True)
        os.environ["MPLCONFIGDIR"] = str(path)
    import matplotlib

    matplotlib.use("Agg", force=False)
    matplotlib.rcParams["svg.fonttype"] = "none"
    matplotlib.rcParams["svg.hashsalt"] = "contest"  # stable ids: the same data, the same SVG
    matplotlib.rcParams["font.family"] = "DejaVu Sans"
    from matplotlib.figure import Figure

    return Figure


_STYLE_ATTRIBUTE = re.compile(r'\sstyle="([^"]*)"')
_STYLE_ELEMENT = re.compile(r"<style[^>]*>\s*\*\s*\{([^}]*)\}\s*</style>\s*")
_SVG_ROOT = re.compile(r"<svg\b")


def _as_attributes(declarations: str) -> str:
    """``fill: #1b6b4a; stroke-width: 0.8`` as ``fill="#1b6b4a" stroke-width="0.8"`` (matplotlib only writes
    properties that are also SVG presentation attributes)."""
    pairs = (d.split(":", 1) for d in declarations.split(";") if ":" in d)
    return "".join(f' {name.strip()}="{value.strip()}"' for name, value in pairs)


def without_inline_styles(svg: str) -> str:
    """The same drawing with every ``style`` attribute and the ``<style>`` element written as presentation
    attributes: the site's policy (``style-src 'self'``) would otherwise drop them and paint everything black."""
    shared = _STYLE_ELEMENT.search(svg)
    svg = _STYLE_ELEMENT.sub("", svg)
    if shared is not None:  # ``*{…}`` becomes inherited attributes of the root element
        svg = _SVG_ROOT.sub("<svg" + _as_attributes(shared.group(1)), svg, count=1)
    return _STYLE_ATTRIBUTE.sub(lambda m: _as_attributes(m.group(1)), svg)


def _svg(fig: Any) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    return without_inline_styles(buffer.getvalue())


def data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def distributions_svg(judges: Sequence[str], before: Mapping[str, list[float]], after: Mapping[str, list[float]],
                      scale: float, labels: Mapping[str, str]) -> str:
    """Each judge's sheet totals before (grey) and after (green) removing the estimated bias."""
    figure_cls = _matplotlib()
    fig = figure_cls(figsize=(7, 0.55 * len(judges) + 1.2))
    ax = fig.add_subplot()
    positions = list(range(len(judges)))
    data_before = [before.get(j) or [float("nan")] for j in judges]
    data_after = [after.get(j) or [float("nan")] for j in judges]
    b1 = ax.boxplot(data_before, positions=[p + 0.18 for p in positions], widths=0.3, orientation="horizontal",
                    patch_artist=True, manage_ticks=False)
    b2 = ax.boxplot(data_after, positions=[p - 0.18 for p in positions], widths=0.3, orientation="horizontal",
                    patch_artist=True, manage_ticks=False)
    for box in b1["boxes"]:
        box.set_facecolor("#dfe5e2")
        box.set_edgecolor(GREY)
    for box in b2["boxes"]:
        box.set_facecolor("#bfe0cf")
        box.set_edgecolor(GREEN)
    ax.set_yticks(positions, [labels.get(j, j) for j in judges])
    ax.invert_yaxis()
    values = [v for series in (*data_before, *data_after) for v in series if v == v]
    low = max(0.0, min(values, default=0.0) - 0.05 * scale)
    high = min(float(scale), max(values, default=float(scale)) + 0.05 * scale)
    ax.set_xlim(low, high if high > low else float(scale))
    ax.set_xlabel(labels.get("_x", "points"))
    ax.legend([b1["boxes"][0], b2["boxes"][0]], [labels.get("_before", "before"), labels.get("_after", "after")],
              loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    ax.grid(axis="x", color="#e5e9e7")
    return _svg(fig)


def bias_svg(judges: Sequence[str], bias: Sequence[float], se: Sequence[float | None],
             labels: Mapping[str, str]) -> str:
    """Estimated leniency per judge with a 95 % interval (± 1.96 standard errors)."""
    figure_cls = _matplotlib()
    fig = figure_cls(figsize=(7, 0.45 * len(judges) + 1.2))
    ax = fig.add_subplot()
    positions = list(range(len(judges)))
    errors = [1.96 * (s or 0.0) for s in se]
    colors = [GOLD if abs(b) > 1.96 * (s or 0.0) and (s or 0) > 0 else GREEN for b, s in zip(bias, se)]
    ax.errorbar(bias, positions, xerr=errors, fmt="none", ecolor=GREY, capsize=3)
    ax.scatter(bias, positions, c=colors, zorder=3)
    ax.axvline(0, color="#333", linewidth=0.8)
    ax.set_yticks(positions, [labels.get(j, j) for j in judges])
    ax.invert_yaxis()
    ax.set_xlabel(labels.get("_x", "points"))
    ax.grid(axis="x", color="#e5e9e7")
    return _svg(fig)


def agreement_svg(judges: Sequence[str], correlation: Sequence[float | None], labels: Mapping[str, str]) -> str:
    """Each judge's correlation with the rest of the panel on shared entries."""
    figure_cls = _matplotlib()
    fig = figure_cls(figsize=(7, 0.45 * len(judges) + 1.2))
    ax = fig.add_subplot()
    positions = list(range(len(judges)))
    values = [c if c is not None else 0.0 for c in correlation]
    colors = [GREY if c is None else (GOLD if c < 0.3 else GREEN) for c in correlation]
    ax.barh(positions, values, color=colors)
    ax.set_xlim(-1, 1)
    ax.axvline(0, color="#333", linewidth=0.8)
    ax.set_yticks(positions, [labels.get(j, j) for j in judges])
    ax.invert_yaxis()
    ax.set_xlabel(labels.get("_x", "r"))
    ax.grid(axis="x", color="#e5e9e7")
    return _svg(fig)

"""Assigning judges to entries.

Public API (numpy in, numpy out; inputs are never modified):

* :func:`affinity_from_expertise` — entries × judges affinity from categories,
  keywords and declared expertise;
* :func:`assign` — every entry gets exactly ``k`` unconflicted judges, loads as
  even as the limits allow, maximum total affinity, then a connected and mixed
  judge–entry graph for calibration;
* :func:`reassign` — after a recusal, removal or cancelled pair: keep every
  other pair, fill only the holes;
* :func:`full_panel` — final rounds: every unconflicted judge scores every
  finalist;
* :class:`AssignmentResult` and :class:`AssignmentInfeasible`.

The model, the evenness rule and the repair method are documented in
:mod:`judging.assign.solver`, :mod:`judging.assign.flow` and
:mod:`judging.assign.repair`.
"""

from judging.assign.affinity import affinity_from_expertise, normalize_term
from judging.assign.result import AssignmentInfeasible, AssignmentResult
from judging.assign.solver import assign, full_panel, reassign

__all__ = [
    "AssignmentInfeasible",
    "AssignmentResult",
    "affinity_from_expertise",
    "assign",
    "full_panel",
    "normalize_term",
    "reassign",
]

"""Pure judging logic for innovation contests.

Plain Python data and numpy arrays in, results out.  Nothing in this package
imports Flask or a database layer, so the same code serves the web
application, the command line (``python -m judging``) and the benchmarks.
"""

# 1.1: judges' stretch estimated by default; posterior award probabilities.
# 1.1.1: the noise level and the gauge come from the trusted (full-weight) judges.
# 1.1.2: each judge's stretch is measured against the other judges' values (leave-one-out).
# 1.1.3: whether judges stretch is decided once, on the settled additive fit (no more swinging
#        between two answers); a judge's stretch error is shared by their sheets in the draws.
__version__ = "1.1.3"

"""Names a config value must be one of, where the code that gives them meaning imports torch.

They live here, in a file that imports nothing, so that a config's ``validate()`` (and with it
``ganzoo train ... --set base=foo``) rejects a bad name before torch or Lightning is loaded. The torch
side imports its names from here (nets/flows.py, losses/sinkhorn.py); losses/fgan.py's table of
f-divergences is keyed by ``F_DIVERGENCES`` (tests/test_fgan.py checks they agree).
"""

FLOW_BASES = ("gaussian", "logistic")  # the flows' base distributions (nets/flows.py base_log_prob)
FLOW_COUPLINGS = ("mlp", "cnn")  # the coupling nets m(.) (nets/flows.py)
SINKHORN_COSTS = ("sqeuclidean", "euclidean")  # ground costs of losses/sinkhorn.py (+ "learned" in the method)
# f-GAN Table 1's divergences plus the original GAN's (losses/fgan.py DIVERGENCES)
F_DIVERGENCES = ("kl", "reverse-kl", "pearson", "neyman", "hellinger", "js", "gan", "tv")

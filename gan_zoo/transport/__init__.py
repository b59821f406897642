"""Optimal-transport solvers that are not losses: the semi-discrete OT of AE-OT (``semidiscrete_ot.py``),
which fits a Brenier potential once after the autoencoder is trained and then maps uniform noise to latent
codes. Pure tensor functions; they know nothing of Lightning. (The Sinkhorn divergence stays in
``gan_zoo/losses/sinkhorn.py``: there it is a training loss.)"""

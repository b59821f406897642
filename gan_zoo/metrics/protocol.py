"""How many samples each metric's protocol uses: ``ganzoo eval`` warns below these, ``ganzoo sample``
defaults to what the image / point metrics need where that is affordable.

- IS: Salimans et al. 2016 §4 score 50,000 samples in 10 splits ([S3] slides: "Requires large data
  sets (>50,000 images)"); below that the score is biased low (5.4 % at 1,000 on the same distribution,
  issue 12).
- FID: Heusel et al. 2017 (TTUR) recommend at least 10,000 samples (FID is biased upwards at small n).
- KID: the same 10,000 as FID, so the two are read on the same folders (KID itself is unbiased, but its
  subset estimate's spread at small n is large).
- DDM: Basart 2017 §3.4.7 compares generators on |G| = 5,000 samples ([S4] note).
- modes (and the high-quality fraction): VEEGAN (Srivastava et al. 2017) count on 2,500 samples per model.
"""
from __future__ import annotations

PROTOCOL_N = {
    "is": (50_000, "Salimans et al. 2016: 50,000 samples in 10 splits"),
    "fid": (10_000, "Heusel et al. 2017: at least 10,000 samples"),
    "kid": (10_000, "10,000 samples, as for FID (Heusel et al. 2017)"),
    "ddm": (5_000, "Basart 2017 §3.4.7: |G| = 5,000"),
    "modes": (2_500, "VEEGAN (Srivastava et al. 2017): 2,500 samples"),
}

# `ganzoo sample` without --n: images 10,000 (FID's and KID's count, above DDM's 5,000; IS's 50,000 is
# five times the sampling and the Inception-v3 time, so it is asked for with --n 50000 and warned about);
# points 2,500 (VEEGAN's count for modes; exact W1 runs up to 5,000 points).
SAMPLE_N = {"images": 10_000, "points": 2_500}


def below_protocol(metric: str, n: int) -> str | None:
    """One line saying that ``n`` samples are fewer than ``metric``'s protocol uses, or None."""
    if metric not in PROTOCOL_N:
        return None
    need, source = PROTOCOL_N[metric]
    if n >= need:
        return None
    return f"{metric.upper()} on {n:,} samples, below the protocol's {need:,} ({source}); not comparable to published values"

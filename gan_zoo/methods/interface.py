"""What callbacks, metrics and the CLI read from a method: the contracts, as Protocols.

Every method (methods/base.py ``GenerativeMethod``) is a ``Sampler`` and has ``critic_values``; the other
contracts are optional capabilities, tested with ``isinstance(method, Protocol)`` (runtime-checkable: the
attributes must exist) rather than by a method's name:

==================  ==================================================  ===========================
protocol            what it gives                                        who
==================  ==================================================  ===========================
``Sampler``         ``sample(n, generator=None, **condition)``: n        every method
                    samples in data space (images in [-1, 1] NCHW,
                    points (n, 2)), generator in eval mode
``CriticSurface``   ``critic_values(x)``: the adversary's value at       every method (None where
                    data-space points (the pictures' value surface)      there is no data-space
                                                                         critic)
``Density``         ``has_log_prob = True``, ``log_prob(x)``: exact      nice, flowgan, mixflow, pgan
                    log-density per sample (nll metrics, contours)
``MixtureSampler``  ``num_components``, ``sample_components(n,           mixflow, pgan
                    generator=None, component=None) -> (x, c)``
``LatentCodes``     ``has_latent_codes = True``; ``sample(n,             infogan
                    codes={...})`` fixes latent codes (the training
                    builder adds latent-traversal pictures)
``SourceEditor``    ``num_classes``, ``edit_sources(sources, labels,     modnet
                    generator) -> (edits, source index, target)``:
                    conditional sampling from given images
                    (``ganzoo sample RUN --sources ... --labels ...``)
==================  ==================================================  ===========================
"""
from __future__ import annotations

from typing import Protocol, runtime_checkable

import torch


@runtime_checkable
class Sampler(Protocol):
    def sample(self, n: int, generator: torch.Generator | None = None, **condition) -> torch.Tensor: ...


@runtime_checkable
class CriticSurface(Protocol):
    def critic_values(self, x: torch.Tensor) -> torch.Tensor | None: ...


@runtime_checkable
class Density(Protocol):
    has_log_prob: bool

    def log_prob(self, x: torch.Tensor) -> torch.Tensor: ...


@runtime_checkable
class MixtureSampler(Protocol):
    num_components: int

    def sample_components(self, n: int, generator: torch.Generator | None = None,
                          component: int | None = None) -> tuple[torch.Tensor, torch.Tensor]: ...


@runtime_checkable
class LatentCodes(Protocol):
    has_latent_codes: bool


@runtime_checkable
class SourceEditor(Protocol):
    num_classes: int

    def edit_sources(self, sources: torch.Tensor, labels: list[int] | None,
                     generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]: ...


def has_density(method) -> bool:
    """``Density`` with ``has_log_prob`` true (the base class has ``log_prob = None`` and the flag False)."""
    return bool(getattr(method, "has_log_prob", False)) and callable(getattr(method, "log_prob", None))

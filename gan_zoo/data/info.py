"""What a method needs to know about its data (no torch: configs and ``ganzoo list`` read it)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DataInfo:
    """What a method needs to know about its data to pick architectures and defaults."""

    name: str
    kind: str  # "points" | "images"
    shape: tuple  # (2,) for points, (C, H, W) for images
    num_classes: int

    @property
    def is_image(self) -> bool:
        return self.kind == "images"

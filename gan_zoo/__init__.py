"""gan_zoo: adversarial and flow-based generative models of a set of papers, each faithful to its paper."""

__version__ = "0.1.0"

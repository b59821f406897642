"""The ``ganzoo`` command line (installed as the ``gan_zoo_cli`` package)."""

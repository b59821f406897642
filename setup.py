"""Package discovery (the metadata is in pyproject.toml).

`gan_zoo` and every sub-package under it are found, not listed by hand (a hand list once left
`gan_zoo.metrics.functional` out of the wheel). The CLI's source folder `cli/` installs as the package
`gan_zoo_cli` (a top-level `cli` would collide with other projects), so its sub-packages are found
under `cli/` and renamed; pyproject.toml's table form cannot express that rename together with discovery.
"""
from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["gan_zoo", "gan_zoo.*"])
    + ["gan_zoo_cli"] + [f"gan_zoo_cli.{p}" for p in find_packages("cli")],
    package_dir={"gan_zoo_cli": "cli"},
)

"""The import graph points one way (issue 11 item 3): parsed with ast, nothing imported, well under a second.

Layers, high to low (README "Architecture"): the CLI, then compare, training, callbacks, methods and metrics
(peers), the plain building blocks (nets, losses, optim, transport, data, io), the registry and configs.
Every import, at module level or inside a function, must go to the same layer or a lower one; the CLI's
modules import each other without a cycle; no module imports a private (``_name``) helper of another
package, and tests do not either (a helper a second package needs is public or lives elsewhere).
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

LAYER = {
    "gan_zoo_cli": 7,
    "gan_zoo.compare": 6,
    "gan_zoo.training": 5,
    "gan_zoo.callbacks": 4,
    "gan_zoo.methods": 3, "gan_zoo.metrics": 3,
    "gan_zoo.nets": 2, "gan_zoo.losses": 2, "gan_zoo.optim": 2, "gan_zoo.transport": 2, "gan_zoo.data": 2,
    "gan_zoo.io": 2, "gan_zoo.checkpoints": 2,
    "gan_zoo.registry": 1, "gan_zoo.configs": 1,
    "gan_zoo": 0,  # the package itself: __version__
    "gan_zoo.data.info": 0,  # the DataInfo dataclass: imports nothing of gan_zoo (the registry describes data sets)
}

# Known upward edges, each with its reason. Keep this list short; a new entry needs a reason a reviewer accepts.
ALLOWED_UP: set[tuple[str, str]] = set()


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[0] == "cli":
        parts[0] = "gan_zoo_cli"  # setup.py installs cli/ as the package gan_zoo_cli
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def layer_of(mod: str) -> tuple[str, int] | None:
    for n in range(mod.count(".") + 1, 0, -1):  # the longest prefix with a layer
        key = ".".join(mod.split(".")[:n])
        if key in LAYER:
            return key, LAYER[key]
    return None


def package_of(mod: str) -> str:
    parts = mod.split(".")
    return parts[0] if parts[0] in ("gan_zoo_cli", "tests", "benchmarks") else ".".join(parts[:2])


def is_module(mod: str, root: Path = ROOT) -> bool:
    parts = mod.split(".")
    base = root / ("cli" if parts[0] == "gan_zoo_cli" else parts[0]) / Path(*parts[1:]) if len(parts) > 1 else None
    if parts[0] not in ("gan_zoo", "gan_zoo_cli"):
        return False
    if base is None:
        return True
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


def imports(path: Path, root: Path = ROOT):
    """(target module, names imported, line, bound name) for every import in the file, at any depth."""
    mod = module_name(path, root)
    here = mod.split(".") if path.name == "__init__.py" else mod.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield a.name, [], node.lineno, a.asname or a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[:len(here) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for a in node.names:
                yield target, [a.name], node.lineno, a.asname or a.name


def sources(root: Path, *tops: str):
    for top in tops:
        yield from sorted((root / top).rglob("*.py"))


def ours(target: str) -> bool:
    return target == "gan_zoo" or target.startswith(("gan_zoo.", "gan_zoo_cli"))


def upward_imports(root: Path = ROOT) -> list[str]:
    bad = []
    for path in sources(root, "gan_zoo", "cli"):
        mod = module_name(path, root)
        _, mine = layer_of(mod)
        for target, names, line, _ in imports(path, root):
            if not ours(target):
                continue
            for t in [f"{target}.{n}" for n in names] or [target]:
                key, theirs = layer_of(t)
                if theirs > mine and (mod, key) not in ALLOWED_UP:
                    bad.append(f"{path.relative_to(root)}:{line}: {mod} (layer {mine}) imports {t} (layer {theirs})")
    return bad


def named_edges(root: Path = ROOT) -> list[str]:
    """The two edges issue 11 names, checked on their own so that a change of the layer table cannot hide them."""
    bad = []
    for path in sources(root, "gan_zoo"):
        mod = module_name(path, root)
        for target, _, line, _ in imports(path, root):
            if target.startswith("gan_zoo_cli") or (mod.startswith("gan_zoo.methods")
                                                     and target.startswith("gan_zoo.callbacks")):
                bad.append(f"{path.relative_to(root)}:{line}: {mod} imports {target}")
    return bad


def cli_graph(root: Path = ROOT) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in sources(root, "cli"):
        mod = module_name(path, root)
        edges = graph.setdefault(mod, set())
        for target, names, _, _ in imports(path, root):
            for t in [f"{target}.{n}" for n in names] or [target]:
                for cand in (t, t.rsplit(".", 1)[0]):
                    if cand.startswith("gan_zoo_cli.") and cand != mod and is_module(cand, root):
                        edges.add(cand)
                        break
    return graph


def cycles(graph: dict[str, set[str]]) -> list[str]:
    found, state = [], {}

    def visit(m, stack):
        state[m] = "open"
        for n in sorted(graph.get(m, ())):
            if state.get(n) == "open":
                found.append(" -> ".join(stack[stack.index(n):] + [n]))
            elif n not in state:
                visit(n, stack + [n])
        state[m] = "done"

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    return found


def private_crossings(root: Path = ROOT) -> list[str]:
    bad = []
    for path in sources(root, "gan_zoo", "cli", "tests"):
        mine = package_of(module_name(path, root))
        module_aliases = {}
        for target, names, line, alias in imports(path, root):
            if not ours(target):
                continue
            for n in names:
                if n.startswith("_") and not n.startswith("__") and package_of(target) != mine:
                    bad.append(f"{path.relative_to(root)}:{line}: imports {target}.{n}")
            full = f"{target}.{names[0]}" if names else target
            if is_module(full, root):
                module_aliases[alias] = full
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in module_aliases and node.attr.startswith("_")
                    and not node.attr.startswith("__") and package_of(module_aliases[node.value.id]) != mine):
                bad.append(f"{path.relative_to(root)}:{node.lineno}: uses {module_aliases[node.value.id]}.{node.attr}")
    return bad


def test_no_upward_imports():
    bad = upward_imports()
    assert not bad, "upward imports:\n" + "\n".join(bad)


def test_methods_import_no_callbacks_and_the_library_no_cli():
    bad = named_edges()
    assert not bad, "\n".join(bad)


def test_cli_modules_import_each_other_without_a_cycle():
    graph = cli_graph()
    assert "gan_zoo_cli.common" in graph["gan_zoo_cli.main"]  # the graph is really built
    found = cycles(graph)
    assert not found, "cli import cycles:\n" + "\n".join(found)


def test_no_private_name_crosses_a_package():
    bad = private_crossings()
    assert not bad, "private names used across packages:\n" + "\n".join(bad)


def test_the_checks_find_planted_violations(tmp_path):
    """Each check fails on a small tree that breaks its rule (so the checks above cannot pass vacuously)."""
    def write(rel, text=""):
        f = tmp_path / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(text)

    for pkg in ("gan_zoo", "gan_zoo/methods", "gan_zoo/nets", "gan_zoo/callbacks", "cli", "tests"):
        write(f"{pkg}/__init__.py")
    write("gan_zoo/registry.py", "def _hidden():\n    pass\n")
    write("gan_zoo/training.py")
    write("gan_zoo/callbacks/pictures.py")
    write("gan_zoo/nets/mlp.py", "def f():\n    from ..training import train\n")  # lazy, still upward
    write("gan_zoo/methods/gan.py", "from ..callbacks.pictures import SamplePictures\n")
    write("cli/main.py", "from .evaluate import x\n")
    write("cli/evaluate.py", "from . import main\n")
    write("cli/runconfig.py", "from gan_zoo.registry import _hidden\n")
    write("tests/test_x.py", "from gan_zoo import registry\nregistry._hidden()\n")
    assert [b.split(":")[0] for b in upward_imports(tmp_path)] == ["gan_zoo/methods/gan.py", "gan_zoo/nets/mlp.py"]
    assert [b.split(":")[0] for b in named_edges(tmp_path)] == ["gan_zoo/methods/gan.py"]
    assert cycles(cli_graph(tmp_path)) == ["gan_zoo_cli.evaluate -> gan_zoo_cli.main -> gan_zoo_cli.evaluate"]
    assert sorted(b.split(":")[0] for b in private_crossings(tmp_path)) == ["cli/runconfig.py", "tests/test_x.py"]

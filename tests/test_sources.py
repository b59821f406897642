"""Citations resolve inside the repository (issue 11 item 6): every key a comment or docstring uses
(``[S0]``, ``[N2]``, ``[P1c]``, ``[A7]``) is defined in docs/sources.md, and none still uses the old forms that
named files outside the repository. Reads the sources with tokenize (comments) and ast (docstrings): < 1 s."""
from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KEY = re.compile(r"\[((?:S|N)[0-4]|P\d{1,2}[a-c]?|A\d{1,2})\]")
DEFINED = re.compile(r"\*\*\[((?:S|N)[0-4]|P\d{1,2}[a-c]?|A\d{1,2})\]\*\*")
OLD = re.compile(r"\b[Ss]eed 00[0-4]\b|\b[Nn]otes 00[0-4]\b|paper_defaults\.md|\[AMBIG-|\bnotes §|\bseed §")


def commentary(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every comment and docstring in a Python file."""
    src = path.read_text()
    docs = set()
    for node in ast.walk(ast.parse(src, str(path))):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                docs.add((first.value.lineno, first.value.col_offset))
    return [(tok.start[0], tok.string) for tok in tokenize.generate_tokens(io.StringIO(src).readline)
            if tok.type == tokenize.COMMENT or (tok.type == tokenize.STRING and tok.start in docs)]


def python_files():
    for top in ("gan_zoo", "cli", "tests", "benchmarks"):
        yield from sorted((ROOT / top).rglob("*.py"))


def defined_keys(text: str) -> set[str]:
    return set(DEFINED.findall(text))


def test_every_cited_key_is_defined_in_docs_sources_md():
    defined = defined_keys((ROOT / "docs" / "sources.md").read_text())
    assert {"S0", "S4", "N2", "P1c", "P10", "A1", "A17"} <= defined  # the page parses as intended
    used, missing = set(), []
    for path in python_files():
        for line, text in commentary(path):
            for key in KEY.findall(text):
                used.add(key)
                if key not in defined:
                    missing.append(f"{path.relative_to(ROOT)}:{line}: [{key}]")
    assert len(used) > 20, sorted(used)  # the code does cite through the keys
    assert not missing, "keys not defined in docs/sources.md:\n" + "\n".join(missing)


def test_no_comment_cites_a_file_outside_the_repository():
    left = [f"{path.relative_to(ROOT)}:{line}: {OLD.search(text).group(0)!r}"
            for path in python_files() for line, text in commentary(path) if OLD.search(text)]
    assert not left, "old citation forms (use the keys docs/sources.md defines):\n" + "\n".join(left)


def test_the_checks_read_comments_and_docstrings_only(tmp_path):
    f = tmp_path / "m.py"
    f.write_text('"""Doc [S0] §1."""\nx = "seed 000 in a printed string"  # see [P99] and seed 002\n'
                 'def g():\n    """[A3] and [AMBIG-3]."""\n')
    got = commentary(f)
    assert [line for line, _ in got] == [1, 2, 4]
    text = " ".join(t for _, t in got)
    assert KEY.findall(text) == ["S0", "P99", "A3"] and "printed string" not in text
    assert OLD.findall(text) == ["seed 002", "[AMBIG-"]
    assert defined_keys("| **[P1c]** | x |\n- **[A7]** **Q.**\n[S9]") == {"P1c", "A7"}

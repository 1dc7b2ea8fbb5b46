"""The library never imports Streamlit: the UI sits on top of it, not inside."""

from __future__ import annotations

import ast
from pathlib import Path

LIBRARY = Path(__file__).resolve().parents[1] / "l2c_core"


def _streamlit_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):  # any depth: functions, branches, try blocks
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        found += [
            f"{path.name}:{node.lineno} {name}"
            for name in names
            if name == "streamlit" or name.startswith("streamlit.")
        ]
    return found


def test_layers_library_files_found():
    assert len(list(LIBRARY.rglob("*.py"))) >= 10


def test_layers_library_never_imports_streamlit():
    offending = [
        hit
        for path in sorted(LIBRARY.rglob("*.py"))
        for hit in _streamlit_imports(path)
    ]
    assert offending == []


def test_layers_detector_catches_nested_and_from_imports(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def f():\n"
        "    if True:\n"
        "        import streamlit as st\n"
        "try:\n"
        "    from streamlit.runtime import exists\n"
        "except ImportError:\n"
        "    pass\n"
        "import streamlit_extras\n",
        encoding="utf-8",
    )
    assert len(_streamlit_imports(sample)) == 2

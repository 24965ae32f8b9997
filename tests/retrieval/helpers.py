from __future__ import annotations

from pathlib import Path


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def rels(root: Path, paths) -> set[str]:
    return {Path(p).relative_to(root).as_posix() for p in paths}


def module(name: str, body_lines: int = 12) -> str:
    """A small Python module defining `name` with a distinctive body."""
    lines = [f"def {name}(value):", f'    """Compute {name}."""']
    lines += [f"    {name}_step_{i} = value + {i}" for i in range(body_lines)]
    lines += [f"    return {name}_step_0", ""]
    return "\n".join(lines)

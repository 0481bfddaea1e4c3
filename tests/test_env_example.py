""".env.example lists every variable the code reads from the environment, and nothing it does not read."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The operating system's own, passed on to child processes rather than configured.
NOT_SETTINGS = {"PATH"}
LISTED = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=", re.MULTILINE)


def code_files() -> list[Path]:
    files = [ROOT / "manage.py", *ROOT.glob("config/**/*.py"), *ROOT.glob("scripts/*.py")]
    for app in ("facilitation", "media_tools", "stories"):
        files += [path for path in (ROOT / app).rglob("*.py") if "migrations" not in path.parts]
    return files


def _literal(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def variables_read(path: Path) -> set[str]:
    """Names read through django-environ (`env("X")`, `env.int("X")`, the `environ.Env(X=...)` schema) or `os`
    (`os.environ["X"]`, `os.environ.get("X")`, `os.environ.setdefault("X")`, `os.getenv("X")`)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Call):
            called = ast.unparse(node.func)
            by_env = called == "env" or (called.startswith("env.") and called.count(".") == 1)
            by_os = called in {"os.getenv", "os.environ.get", "os.environ.setdefault", "os.environ.pop"}
            if (by_env or by_os) and node.args and _literal(node.args[0]):
                names.add(_literal(node.args[0]))
            if called in {"environ.Env", "Env"}:
                names.update(keyword.arg for keyword in node.keywords if keyword.arg)
        elif isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ" and _literal(node.slice):
            names.add(_literal(node.slice))
    return names


def test_the_scan_sees_the_settings_it_must_see():
    """A guard on the scanner itself: one name of each way of reading the environment."""
    read = set().union(*(variables_read(path) for path in code_files()))
    assert {"SECRET_KEY", "DATABASE_URL", "CACHE_URL", "EMAIL_URL", "WEB_WORKERS", "DJANGO_SETTINGS_MODULE"} <= read


def test_env_example_lists_every_variable_the_code_reads():
    listed = set(LISTED.findall((ROOT / ".env.example").read_text()))
    where: dict[str, list[str]] = {}
    for path in code_files():
        for name in variables_read(path) - NOT_SETTINGS:
            where.setdefault(name, []).append(str(path.relative_to(ROOT)))
    missing = {name: files for name, files in where.items() if name not in listed}
    assert not missing, f"read by the code but not in .env.example: {missing}"
    stale = listed - set(where)
    assert not stale, f"in .env.example but read nowhere: {sorted(stale)}"

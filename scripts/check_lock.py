"""Does requirements/*.lock still pin what pyproject.toml asks for? Offline, stdlib only.

Runs before anything is installed (``make`` and ``.ci/run``), so a dependency added to or
changed in pyproject.toml without re-locking fails at once with the one command that fixes
it, instead of installing the old set and failing later in a confusing way.

    bot.lock    [project] dependencies                      (the image, production)
    dev.lock    the same plus every optional extra          (make, CI)
    build.lock  [build-system] requires, plus pip           (installer and build backend)
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK_DIR = ROOT / "requirements"
FIX = "run `make lock` and commit requirements/*.lock"

_REQ = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*([^;]*)")
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.M)


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lock: Path) -> dict[str, str]:
    text = lock.read_text(encoding="utf-8")
    found = {canonical(name): version for name, version in _PIN.findall(text)}
    unhashed = [name for name in found
                if not re.search(rf"^{re.escape(name)}==\S+[^\n]*\\\n\s+--hash=", text,
                                 re.M | re.I)]
    if unhashed:
        raise SystemExit(f"{lock.name}: no --hash for {', '.join(sorted(unhashed))}; {FIX}")
    return found


def _numbers(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version.split("+", maxsplit=1)[0])[:4])


def problems(requirements: list[str], lock: Path, own_name: str) -> list[str]:
    locked = pins(lock)
    out = []
    for requirement in requirements:
        match = _REQ.match(requirement)
        if match is None:
            out.append(f"cannot read requirement {requirement!r}")
            continue
        name, spec = canonical(match.group(1)), match.group(3).strip()
        if name == own_name:
            continue
        have = locked.get(name)
        if have is None:
            out.append(f"{lock.name} does not pin {requirement!r}")
            continue
        for clause in filter(None, (c.strip() for c in spec.split(","))):
            wanted = clause.lstrip("<>=!~").strip()
            op = clause[:len(clause) - len(clause.lstrip("<>=!~"))]
            ok = {"==": have == wanted, "!=": have != wanted,
                  ">=": _numbers(have) >= _numbers(wanted),
                  ">": _numbers(have) > _numbers(wanted),
                  "<=": _numbers(have) <= _numbers(wanted),
                  "<": _numbers(have) < _numbers(wanted)}.get(op, True)
            if not ok:
                out.append(f"{lock.name} pins {name}=={have}, pyproject.toml wants "
                           f"{requirement!r}")
    return out


def main() -> int:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    own = canonical(project["project"]["name"])
    runtime = list(project["project"].get("dependencies", []))
    extras = [r for group in project["project"].get("optional-dependencies", {}).values()
              for r in group]
    build = [*project["build-system"]["requires"], "pip"]
    found = [
        *problems(runtime, LOCK_DIR / "bot.lock", own),
        *problems(runtime + extras, LOCK_DIR / "dev.lock", own),
        *problems(build, LOCK_DIR / "build.lock", own),
    ]
    if found:
        print("The lock files disagree with pyproject.toml:", file=sys.stderr)
        for problem in found:
            print(f"  - {problem}", file=sys.stderr)
        print(f"Fix: {FIX}.", file=sys.stderr)
        return 1
    print("lock files match pyproject.toml")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

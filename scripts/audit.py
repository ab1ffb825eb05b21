"""``make audit``: pip-audit over the locked dependencies, with an honest verdict.

pip-audit exits 0 both when every package was checked and when none could be (its
advisory source unreachable: each package is then only "skipped"), so this reads its JSON
report and says which case it was:

* a known vulnerability in a locked package: exit 1, with the package, the advisory and
  the fixed versions;
* packages the advisory source could not answer for: a warning naming how many, exit 0,
  or exit 1 with ``AUDIT_STRICT=1`` (for a machine that does reach the advisory data);
* everything checked and clean: exit 0.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements" / "dev.lock"


def main() -> int:
    pip_audit = Path(sys.executable).with_name("pip-audit")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "audit.json"
        done = subprocess.run(
            [str(pip_audit), "--progress-spinner", "off", "--disable-pip", "--require-hashes",
             "-r", str(LOCK), "--format", "json", "--output", str(out)],
            check=False, capture_output=True, text=True, timeout=600)
        if not out.is_file():
            print(f"pip-audit failed (exit {done.returncode}): {done.stderr.strip()}",
                  file=sys.stderr)
            return 1
        report = json.loads(out.read_text(encoding="utf-8"))
    deps = report.get("dependencies", [])
    vulnerable = [d for d in deps if d.get("vulns")]
    skipped = [d for d in deps if d.get("skip_reason")]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions") or ()) or "no fixed release yet"
            print(f"VULNERABLE {dep['name']}=={dep.get('version')}: {vuln['id']} "
                  f"(fixed in: {fixed})", file=sys.stderr)
    if vulnerable:
        print("Fix: raise the pin in pyproject.toml (or the lock), then `make lock`.",
              file=sys.stderr)
        return 1
    checked = len(deps) - len(skipped)
    if skipped:
        print(f"pip-audit: {checked} of {len(deps)} locked packages checked, no known "
              f"vulnerabilities; {len(skipped)} could not be checked (advisory data "
              f"unreachable from here, e.g. {skipped[0]['skip_reason']!r}).", file=sys.stderr)
        return 1 if os.environ.get("AUDIT_STRICT") == "1" else 0
    print(f"pip-audit: {checked} locked packages checked, no known vulnerabilities")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

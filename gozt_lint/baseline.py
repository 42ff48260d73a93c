"""Baselines: adopt gozt-lint on a repository with findings today, and see only
the new ones from then on.

``--write-baseline FILE`` records every finding of a run by its fingerprint (the
one SARIF uses: rule, file, module, version and the message without line numbers,
so lines moving above a finding do not make it new); ``--baseline FILE`` hides the
findings it records. Each fingerprint hides as many findings as it was recorded
for: a second occurrence of a recorded problem is new.

The file is JSON, sorted, one finding per entry with what a reviewer needs to read
it (rule, file, module, version, message)::

    {"tool": "gozt-lint", "baseline_version": 1, "findings": [
        {"fingerprint": "…", "rule": "…", "file": "go.mod", "module": …, "version": …, "message": "…"}]}
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gozt_lint import __version__
from gozt_lint.errors import InputError

if TYPE_CHECKING:
    from gozt_lint.engine import Result

BASELINE_VERSION = 1
# A baseline is a list of fingerprints; one that is larger than this is not ours.
MAX_BYTES = 64 << 20


def entries(result: Result) -> list[dict[str, Any]]:
    from gozt_lint.report.sarif import _rel, fingerprint

    root = result.root or os.getcwd()
    out = []
    for f in result.findings:
        out.append(
            {
                "fingerprint": fingerprint(f, root),
                "rule": f.rule,
                "file": (_rel(f.file, root) or f.file) if f.file else None,
                "module": f.module,
                "version": f.version,
                "message": f.message,
            }
        )
    out.sort(key=lambda e: (e["rule"], e["file"] or "", e["module"] or "", e["version"] or "", e["fingerprint"]))
    return out


def write(path: Path, result: Result) -> int:
    """Record ``result``'s findings in ``path`` (atomically); returns how many."""
    from gozt_lint.fileio import write_output

    items = entries(result)
    doc = {"tool": "gozt-lint", "version": __version__, "baseline_version": BASELINE_VERSION, "findings": items}
    write_output(path, (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    return len(items)


def load(path: Path) -> Counter[str]:
    """The fingerprints ``path`` records, with how many findings each may hide."""
    from gozt_lint.fileio import read_regular

    if not path.exists():
        raise InputError(str(path), "no such baseline (write one with --write-baseline)")
    data = read_regular(str(path), MAX_BYTES + 1)
    if data is None:
        raise InputError(str(path), "cannot read the baseline: not a regular file, or unreadable")
    if len(data) > MAX_BYTES:
        raise InputError(str(path), f"not a gozt-lint baseline: larger than {MAX_BYTES >> 20} MiB")
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise InputError(str(path), f"not a gozt-lint baseline: {e}") from None
    if not isinstance(doc, dict) or doc.get("tool") != "gozt-lint" or not isinstance(doc.get("findings"), list):
        raise InputError(str(path), "not a gozt-lint baseline (written by --write-baseline)")
    version = doc.get("baseline_version")
    if version != BASELINE_VERSION:
        raise InputError(str(path), f"baseline version {version!r} is not supported (this gozt-lint writes {BASELINE_VERSION})")
    counts: Counter[str] = Counter()
    for i, item in enumerate(doc["findings"]):
        fp = item.get("fingerprint") if isinstance(item, dict) else None
        if not isinstance(fp, str) or not fp:
            raise InputError(str(path), f"finding #{i + 1} has no fingerprint")
        counts[fp] += 1
    return counts


def apply(result: Result, known: Counter[str]) -> None:
    """Drop the findings ``known`` records from ``result`` (counted in
    ``result.baselined``)."""
    from gozt_lint.report.sarif import fingerprint

    left = Counter(known)
    root = result.root or os.getcwd()
    kept = []
    for f in result.findings:
        fp = fingerprint(f, root)
        if left[fp] > 0:
            left[fp] -= 1
            result.baselined += 1
            continue
        kept.append(f)
    result.findings = kept

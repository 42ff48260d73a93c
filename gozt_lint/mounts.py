"""Mounted filesystems (/proc/self/mountinfo) and which of them are network or FUSE
filesystems, where file locks and atomic renames are unreliable."""

from __future__ import annotations

import re


MOUNTINFO = "/proc/self/mountinfo"


# Filesystems where file locks and atomic renames are unreliable (plus FUSE,
# whose semantics are whatever the daemon implements).
NETWORK_FS = {
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "afs", "9p", "v9fs", "ceph", "glusterfs", "lustre",
    "gpfs", "beegfs", "davfs", "sshfs", "drvfs", "fuse", "fuseblk",
}


def _unescape_mount(s: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), s)


def parse_mountinfo(text: str) -> list[tuple[str, str, str]]:
    """(mount point, filesystem type, source) per line of /proc/self/mountinfo."""
    out = []
    for line in text.splitlines():
        left, sep, right = line.partition(" - ")
        if not sep:
            continue
        lf, rf = left.split(), right.split()
        if len(lf) < 5 or not rf:
            continue
        out.append((_unescape_mount(lf[4]), rf[0], rf[1] if len(rf) > 1 else ""))
    return out


def mount_of(path: str, mounts: list[tuple[str, str, str]]) -> tuple[str, str, str] | None:
    """The mount holding ``path``: the longest mount point prefix (the later one when stacked)."""
    best: tuple[str, str, str] | None = None
    for m in mounts:
        mp = m[0]
        if mp == "/" or path == mp or path.startswith(mp.rstrip("/") + "/"):
            if best is None or len(mp) >= len(best[0]):
                best = m
    return best


def is_network_fs(fstype: str) -> bool:
    return fstype in NETWORK_FS or fstype.startswith("fuse.")

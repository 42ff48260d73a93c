"""Module paths anyone can publish under, and GONOSUMDB/GOPRIVATE patterns that
reach them: which patterns would exempt public code from the checksum database."""

from __future__ import annotations

from gozt_lint.module import path_match


# Hosts where anyone can publish: only a pattern covering the whole host is
# wrong (github.com/myorg is a normal private prefix).
PUBLIC_HOSTS = (
    "github.com",
    "gitlab.com",
    "bitbucket.org",
    "codeberg.org",
    "git.sr.ht",
    "gitee.com",
    "launchpad.net",
    "hub.jazz.net",
    "dev.azure.com",
    "go.googlesource.com",
)


# Namespaces owned by one public project: nobody's private module lives there,
# so any pattern reaching into them is wrong.
PUBLIC_NAMESPACES = (
    "golang.org",
    "google.golang.org",
    "cloud.google.com/go",
    "gopkg.in",
    "k8s.io",
    "sigs.k8s.io",
    "go.opentelemetry.io",
    "go.opencensus.io",
    "go.uber.org",
    "go.etcd.io",
    "go.mongodb.org",
    "go.yaml.in",
    "gotest.tools",
    "honnef.co",
    "mvdan.cc",
    "rsc.io",
    "filippo.io",
    "modernc.org",
    "cuelang.org",
    "gorm.io",
    "dario.cat",
)


# Strings a path element can be; a glob element matching all of them matches any element.
_ELEMENT_PROBES = ("a", "Z", "0", "x-y.z_~", "Long.Name-with_Mixed~chars0123")


def _universal(elem: str) -> bool:
    return all(path_match(elem, p) for p in _ELEMENT_PROBES)


def _covers(pat: list[str], root: list[str]) -> bool:
    """Does the glob match every module path under ``root``?"""
    for i in range(min(len(pat), len(root))):
        if not path_match(pat[i], root[i]):
            return False
    return all(_universal(e) for e in pat[len(root) :])


def _reaches(pat: list[str], root: list[str]) -> bool:
    """Does the glob match some module path under ``root``?"""
    return all(path_match(pat[i], root[i]) for i in range(min(len(pat), len(root))))


def bypass_reason(pattern: str) -> str | None:
    """Why a GONOSUMDB/GOPRIVATE pattern exempts public code, or None."""
    elems = pattern.split("/")
    if all(_universal(e) for e in elems):
        return "covers every module path"
    for host in PUBLIC_HOSTS:
        if _covers(elems, host.split("/")):
            return f"covers all of {host}, a public code host"
    for ns in PUBLIC_NAMESPACES:
        root = ns.split("/")
        if _covers(elems, root):
            return f"covers all of {ns}, which is public"
        if _reaches(elems, root):
            return f"reaches into {ns}, which is public"
    return None

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gozt_lint.config import CONFIG_NAME, STARTER_CONFIG, Ignore, load_config, parse_config, write_starter
from gozt_lint.errors import UsageError
from gozt_lint.finding import Severity

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib


def test_defaults() -> None:
    cfg = load_config(None)
    assert cfg.severities == {} and cfg.ignores == [] and cfg.private_modules == []


def test_full_config(tmp_path: Path) -> None:
    p = tmp_path / CONFIG_NAME
    p.write_text(
        """
[rules]
pseudo-version = "off"
replace-fork = "ERROR"

[[ignore]]
rule = "replace-local-path"
file = "tools/*"
reason = "tools module is built from this repo"

[[ignore]]
module = "corp.example.com/*"
reason = "ours"

[policy]
private-modules = ["corp.example.com"]
allowed-replacements = ["github.com/us/*"]
trusted-proxies = ["https://proxy.corp.example.com"]
trusted-sumdbs = []

[toolchain]
go-sha256 = "00"
"""
    )
    cfg = load_config(p, {"pseudo-version", "replace-fork", "replace-local-path"})
    assert cfg.severities == {"pseudo-version": None, "replace-fork": Severity.ERROR}
    assert cfg.ignores[0] == Ignore(reason="tools module is built from this repo", rule="replace-local-path", file="tools/*")
    assert cfg.private_modules == ["corp.example.com"]
    assert cfg.table("toolchain") == {"go-sha256": "00"}


def test_ignore_matching(tmp_path: Path) -> None:
    root = str(tmp_path)
    by_file = Ignore(reason="r", rule="replace-local-path", file="tools/*")
    assert by_file.matches("replace-local-path", None, str(tmp_path / "tools" / "go.mod"), root)
    assert not by_file.matches("replace-local-path", None, str(tmp_path / "go.mod"), root)
    assert not by_file.matches("replace-fork", None, str(tmp_path / "tools" / "go.mod"), root)
    by_module = Ignore(reason="r", module="corp.example.com")
    assert by_module.matches("x", "corp.example.com/a/b", None, root)
    assert not by_module.matches("x", "corp.example.community/a", None, root)
    assert not by_module.matches("x", None, None, root)


@pytest.mark.parametrize(
    "text, message",
    [
        ("[rulez]\n", "unknown table [rulez]"),
        ("[rules]\nnope = 'off'\n", "unknown rule 'nope'"),
        ("[rules]\npseudo-version = 'fatal'\n", "unknown severity 'fatal'"),
        ("[rules]\npseudo-version = 3\n", "must be a string"),
        ("[[ignore]]\nrule = 'pseudo-version'\n", "every ignore needs a reason"),
        ("[[ignore]]\nreason = 'x'\n", "give at least one of rule, module, file"),
        ("[[ignore]]\nrule = 'pseudo-version'\nreason = 'x'\nwhy = 1\n", "unknown key(s) why"),
        ("[policy]\nprivate = []\n", "unknown key 'private'"),
        ("[policy]\nprivate-modules = 'x'\n", "must be a list of strings"),
        ("rules = 1\n", "[rules] must be a table"),
        ("[rules\n", "invalid TOML"),
    ],
)
def test_invalid_configs(tmp_path: Path, text: str, message: str) -> None:
    p = tmp_path / CONFIG_NAME
    p.write_text(text)
    with pytest.raises(UsageError) as e:
        load_config(p, {"pseudo-version"})
    assert message in str(e.value)
    assert str(p) in str(e.value)


def test_non_utf8_config(tmp_path: Path) -> None:
    p = tmp_path / CONFIG_NAME
    p.write_bytes(b"[rules]\n\xff = 'off'\n")
    with pytest.raises(UsageError, match="not UTF-8"):
        load_config(p)


def test_starter_config_parses_and_is_written_once(tmp_path: Path) -> None:
    parse_config(tomllib.loads(STARTER_CONFIG), "starter")
    target = tmp_path / CONFIG_NAME
    write_starter(target)
    assert target.read_text() == STARTER_CONFIG
    assert oct(target.stat().st_mode & 0o777) == oct(0o644 & ~_umask())
    before = target.read_text()
    with pytest.raises(UsageError):
        write_starter(target)
    assert target.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == [CONFIG_NAME]  # no temp files left


def test_init_command(tmp_path: Path) -> None:
    env = {**os.environ}
    p = subprocess.run([sys.executable, "-m", "gozt_lint", "init", str(tmp_path)], capture_output=True, text=True, env=env)
    assert p.returncode == 0, p.stderr
    assert (tmp_path / CONFIG_NAME).read_text() == STARTER_CONFIG
    again = subprocess.run([sys.executable, "-m", "gozt_lint", "init", str(tmp_path)], capture_output=True, text=True, env=env)
    assert again.returncode == 2
    assert "already exists" in again.stderr and "Traceback" not in again.stderr


def _umask() -> int:
    m = os.umask(0)
    os.umask(m)
    return m


@pytest.mark.parametrize(
    "raw, message",
    [
        ({"history": {"base": "origin/main"}}, "[history] unknown key(s) base (it has no settings yet)"),
        ({"sumdb": {"online": True}}, "[sumdb] unknown key(s) online"),
        ({"cache": {"memo": False}}, "[cache] unknown key(s) memo"),
        ({"toolchain": {"go-sha265": "0" * 64}}, "[toolchain] unknown key(s) go-sha265 (known: go-sha256, goroot-sha256)"),
        ({"lsp": {"familes": ["gosum"]}}, "[lsp] unknown key(s) familes (known: families)"),
    ],
)
def test_unknown_keys_in_plain_tables_are_errors(raw: dict[str, dict[str, object]], message: str) -> None:
    # README: "Unknown tables, keys or rule slugs are errors (exit 2), so typos don't
    # silently disable a check" -- also in the tables no plain run reads.
    with pytest.raises(UsageError) as e:
        parse_config(raw, ".gozt-lint.toml")
    assert message in str(e.value)


def test_known_keys_in_plain_tables_are_accepted() -> None:
    cfg = parse_config({"toolchain": {"go-sha256": "0" * 64}, "lsp": {"families": ["gosum"]}, "history": {}}, "x.toml")
    assert cfg.table("toolchain") == {"go-sha256": "0" * 64}


@pytest.mark.parametrize(
    "pattern, matched",
    [
        ("go.sum", ["go.sum"]),
        ("**/go.sum", ["go.sum", "svc/go.sum", "a/b/go.sum"]),
        ("svc", ["svc/go.sum"]),
        ("{root}/svc/go.sum", ["svc/go.sum"]),
        ("{root}/a", ["a/b/go.sum"]),
    ],
)
def test_ignore_file_globs(tmp_path: Path, pattern: str, matched: list[str]) -> None:
    # An absolute path or a gitignore-style `**/` used to match nothing, silently.
    ig = Ignore(reason="r", file=pattern.format(root=tmp_path))
    files = ["go.sum", "svc/go.sum", "a/b/go.sum"]
    assert [f for f in files if ig.matches("x", None, str(tmp_path / f), str(tmp_path))] == matched

"""go.sum history against real git repositories, with go.sum files made by the real go."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gozt_lint import engine
from gozt_lint.context import Context, Options
from tests import gomods, gotool

HISTORY = ["history"]
MID_CODE = 'package main\n\nimport "example.com/mid"\n\nfunc main() { println(mid.M) }\n'


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """go.mod/go.sum pairs written by `go mod tidy` / `go get` (the oracle for what a
    legitimate change looks like)."""
    root = tmp_path_factory.mktemp("made")
    env = gotool.hermetic_env(root / "env")
    proxy = gomods.build_proxy(root / "proxy")
    out = {}
    out["base"] = root / "base"
    gomods.tidy(env, proxy, out["base"], {"example.com/dep": "v1.0.0"})
    # A new module added: what `go get example.com/other` does.
    out["added"] = gomods.copy_module(out["base"], root / "added")
    (out["added"] / "other.go").write_text('package main\n\nimport _ "example.com/other"\n')
    env.go("get", "example.com/other@v1.0.0", cwd=out["added"], env=gomods.proxy_env(env, proxy))
    env.go("mod", "tidy", cwd=out["added"], env=gomods.proxy_env(env, proxy))
    # An upgrade: old version's lines go, the module is still required (at v1.1.0).
    out["upgraded"] = gomods.copy_module(out["base"], root / "upgraded")
    env.go("get", "example.com/dep@v1.1.0", cwd=out["upgraded"], env=gomods.proxy_env(env, proxy))
    env.go("mod", "tidy", cwd=out["upgraded"], env=gomods.proxy_env(env, proxy))
    # An indirect requirement, for the zip-line rule.
    out["indirect"] = root / "indirect"
    gomods.tidy(env, proxy, out["indirect"], {"example.com/mid": "v1.0.0"}, code=MID_CODE)
    env.cleanup()
    return out


@pytest.fixture
def repo(tmp_path: Path, made: dict[str, Path]) -> tuple[Path, dict[str, str]]:
    r = gomods.copy_module(made["base"], tmp_path / "repo")
    env = gomods.git_env(dict(os.environ))
    gomods.init_repo(r, env)
    return r, env


def run(repo: Path, env: dict[str, str], **opts: object) -> engine.Result:
    options = Options(select=opts.pop("select", HISTORY), **opts)  # type: ignore[arg-type]
    ctx = Context(cwd=repo, environ=env, options=options)
    return engine.run(ctx)


def cli(repo: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gozt_lint", "--no-env", *args], cwd=repo, env=env, capture_output=True, text=True, timeout=120)


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines()


def change_hash(gosum: Path, startswith: str) -> tuple[str, str, int]:
    """Change the hash of the first line starting with ``startswith``: (old line, new line, line number)."""
    ls = lines(gosum)
    i = next(i for i, ln in enumerate(ls) if ln.startswith(startswith))
    old = ls[i]
    ls[i] = gomods.edit_hash(old)
    gosum.write_text("\n".join(ls) + "\n")
    return old, ls[i], i + 1


def rules(result: engine.Result) -> list[str]:
    return [f.rule for f in result.findings]


@pytest.mark.rule("gosum-hash-changed", "gosum-line-removed", clean=True)
def test_clean_repo_has_no_findings(repo: tuple[Path, dict[str, str]]) -> None:
    r, env = repo
    res = run(r, env)
    assert res.findings == [] and not res.internal_errors
    assert "gosum-hash-changed" in res.rules_run and "gosum-line-removed" in res.rules_run


@pytest.mark.rule("gosum-hash-changed", fires=True)
def test_staged_hash_change_is_caught_with_restore_fix(repo: tuple[Path, dict[str, str]]) -> None:
    r, env = repo
    old, new, n = change_hash(r / "go.sum", "example.com/dep v1.0.0 ")
    assert run(r, env).findings == []  # not staged: not being committed
    gomods.git(r, "add", "go.sum", env=env)
    res = run(r, env)
    assert rules(res) == ["gosum-hash-changed"]
    f = res.findings[0]
    assert f.file == str(r / "go.sum") and f.line == n
    assert f.module == "example.com/dep" and f.version == "v1.0.0"
    assert old.split()[2] in f.message and new.split()[2] in f.message and "HEAD" in f.message
    assert f.data["fix"] == {"kind": "restore-line", "file": str(r / "go.sum"), "line": n, "text": old}


def test_gomod_hash_change_is_caught(repo: tuple[Path, dict[str, str]]) -> None:
    r, env = repo
    _, _, n = change_hash(r / "go.sum", "example.com/dep v1.0.0/go.mod ")
    gomods.git(r, "add", "go.sum", env=env)
    res = run(r, env)
    assert [(f.rule, f.line) for f in res.findings] == [("gosum-hash-changed", n)]
    assert "example.com/dep v1.0.0/go.mod" in res.findings[0].message


def test_extra_conflicting_hash_for_recorded_version(repo: tuple[Path, dict[str, str]]) -> None:
    """A second hash for a version already recorded (a bad merge) is a change too."""
    r, env = repo
    gosum = r / "go.sum"
    ls = lines(gosum)
    ls.insert(1, gomods.edit_hash(ls[0]))
    gosum.write_text("\n".join(ls) + "\n")
    gomods.git(r, "add", "go.sum", env=env)
    res = run(r, env)
    assert [(f.rule, f.line) for f in res.findings] == [("gosum-hash-changed", 2)]


def test_added_module_is_not_flagged(repo: tuple[Path, dict[str, str]], made: dict[str, Path]) -> None:
    r, env = repo
    for name in ("go.mod", "go.sum"):
        shutil.copy(made["added"] / name, r / name)
    gomods.git(r, "add", "-A", env=env)
    assert "example.com/other" in (r / "go.sum").read_text()
    res = run(r, env)
    assert res.findings == [] and not res.internal_errors


@pytest.mark.rule("gosum-hash-changed", clean=True)
def test_upgrade_is_not_flagged(repo: tuple[Path, dict[str, str]], made: dict[str, Path]) -> None:
    r, env = repo
    for name in ("go.mod", "go.sum"):
        shutil.copy(made["upgraded"] / name, r / name)
    gomods.git(r, "add", "-A", env=env)
    assert "example.com/dep v1.0.0" not in (r / "go.sum").read_text()
    assert run(r, env).findings == []


@pytest.mark.rule("gosum-line-removed", fires=True)
def test_removed_lines_of_required_module(repo: tuple[Path, dict[str, str]]) -> None:
    r, env = repo
    gosum = r / "go.sum"
    before = lines(gosum)
    gosum.write_text("".join(ln + "\n" for ln in before if "/go.mod" not in ln))
    gomods.git(r, "add", "go.sum", env=env)
    res = run(r, env)
    assert rules(res) == ["gosum-line-removed"]
    f = res.findings[0]
    removed = next(ln for ln in before if ln.startswith("example.com/dep v1.0.0/go.mod"))
    assert f.data["text"] == removed
    # Where the go command would write it back: after the zip line (line 1).
    assert f.line == 2 and f.file == str(gosum)
    assert "go.mod:" in f.message and "still requires example.com/dep v1.0.0" in f.message
    # The language server's quick fix puts it back there.
    assert f.data["fix"] == {"kind": "restore-line", "file": str(gosum), "line": 2, "text": removed}


def test_removed_zip_line_of_indirect_requirement_is_not_flagged(tmp_path: Path, made: dict[str, Path]) -> None:
    r = gomods.copy_module(made["indirect"], tmp_path / "repo")
    env = gomods.git_env(dict(os.environ))
    gomods.init_repo(r, env)
    gomod = (r / "go.mod").read_text()
    assert "example.com/leaf v1.0.0 // indirect" in gomod, gomod
    gosum = r / "go.sum"
    ls = lines(gosum)
    assert any(ln.startswith("example.com/leaf v1.0.0 h1:") for ln in ls), ls
    # Drop mid's zip line (direct: flagged), leaf's zip line (indirect: not flagged)
    # and leaf's /go.mod line (always needed: flagged).
    gone = ("example.com/mid v1.0.0 h1:", "example.com/leaf v1.0.0 h1:", "example.com/leaf v1.0.0/go.mod ")
    gosum.write_text("".join(ln + "\n" for ln in ls if not ln.startswith(gone)))
    gomods.git(r, "add", "go.sum", env=env)
    res = run(r, env)
    assert set(rules(res)) == {"gosum-line-removed"}
    got = sorted(f.data["text"].split()[:2] for f in res.findings)
    assert got == [["example.com/leaf", "v1.0.0/go.mod"], ["example.com/mid", "v1.0.0"]]


@pytest.mark.rule("gosum-line-removed", clean=True)
def test_replaced_module_lines_may_go(repo: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    r, env = repo
    local = tmp_path / "localdep"
    local.mkdir()
    (local / "go.mod").write_text("module example.com/dep\n\ngo 1.21\n")
    (local / "dep.go").write_text("package dep\n\nconst X = 9\n")
    (r / "go.mod").write_text((r / "go.mod").read_text() + f"\nreplace example.com/dep => {local}\n")
    (r / "go.sum").write_text("")
    gomods.git(r, "add", "-A", env=env)
    assert run(r, env).findings == []


def test_deleted_go_sum_with_requirements(repo: tuple[Path, dict[str, str]]) -> None:
    r, env = repo
    gomods.git(r, "rm", "-q", "go.sum", env=env)
    res = run(r, env, paths=["go.mod"])
    assert set(rules(res)) == {"gosum-line-removed"} and len(res.findings) == 2


def test_unmerged_go_sum_is_not_a_deleted_one(repo: tuple[Path, dict[str, str]]) -> None:
    # A merge that conflicts in go.sum leaves no stage-0 entry in the index; a plain
    # run while the user resolves it must not report every line as removed.
    r, env = repo
    gosum = r / "go.sum"
    base = gosum.read_text()
    gomods.git(r, "checkout", "-q", "-b", "other", env=env)
    gosum.write_text(base + "example.com/zzz v1.0.0/go.mod h1:" + "A" * 43 + "=\n")
    gomods.git(r, "commit", "-qam", "other", env=env)
    gomods.git(r, "checkout", "-q", "main", env=env)
    gosum.write_text(base + "example.com/zzz v1.0.0/go.mod h1:" + "B" * 43 + "=\n")
    gomods.git(r, "commit", "-qam", "main", env=env)
    assert gomods.git(r, "merge", "other", env=env, check=False).returncode != 0
    gomods.git(r, "checkout", "--theirs", "go.sum", env=env)
    for paths in ([], ["go.sum"]):
        res = run(r, env, paths=paths)
        assert res.findings == [], res.findings
        assert any("go.sum has unresolved merge conflicts" in n for n in res.notes)
    # Resolved and staged, it is compared again (and the changed hash is caught).
    gomods.git(r, "add", "go.sum", env=env)
    assert rules(run(r, env)) == ["gosum-hash-changed"]


def test_not_a_git_repository(tmp_path: Path, made: dict[str, Path]) -> None:
    d = gomods.copy_module(made["base"], tmp_path / "plain")
    res = run(d, gomods.git_env(dict(os.environ)))
    assert res.findings == [] and not res.internal_errors
    assert res.notes == ["history: not a git repository; go.sum history checks skipped"]


def test_not_a_git_repository_with_explicit_base_is_an_error(tmp_path: Path, made: dict[str, Path]) -> None:
    d = gomods.copy_module(made["base"], tmp_path / "plain")
    p = cli(d, gomods.git_env(dict(os.environ)), "--select", "history", "--base", "origin/main")
    assert p.returncode == 2 and "not in a git repository" in p.stderr and "Traceback" not in p.stderr


def test_initial_commit(tmp_path: Path, made: dict[str, Path]) -> None:
    r = gomods.copy_module(made["base"], tmp_path / "fresh")
    env = gomods.git_env(dict(os.environ))
    gomods.git(r, "init", "-q", env=env)
    gomods.git(r, "add", "-A", env=env)
    res = run(r, env)
    assert res.findings == [] and not res.internal_errors
    assert any("initial commit" in n for n in res.notes)


def test_renamed_go_sum_is_followed(repo: tuple[Path, dict[str, str]]) -> None:
    r, env = repo
    (r / "svc").mkdir()
    for name in ("go.mod", "go.sum", "main.go"):
        gomods.git(r, "mv", name, f"svc/{name}", env=env)
    old, _, n = change_hash(r / "svc" / "go.sum", "example.com/dep v1.0.0 ")
    gomods.git(r, "add", "-A", env=env)
    res = run(r / "svc", env)
    assert [(f.rule, f.file, f.line) for f in res.findings] == [("gosum-hash-changed", str(r / "svc" / "go.sum"), n)]
    assert "(as go.sum)" in res.findings[0].message
    assert res.findings[0].data["fix"]["text"] == old


def test_detached_head(repo: tuple[Path, dict[str, str]]) -> None:
    r, env = repo
    gomods.git(r, "checkout", "-q", "--detach", env=env)
    change_hash(r / "go.sum", "example.com/dep v1.0.0 ")
    gomods.git(r, "add", "go.sum", env=env)
    assert rules(run(r, env)) == ["gosum-hash-changed"]
    # --all with no upstream (detached): the working tree against HEAD, said once.
    res = run(r, env, all=True)
    assert rules(res) == ["gosum-hash-changed"]
    assert any("no base to compare with" in n for n in res.notes)


def test_editor_buffer_is_compared_with_head(repo: tuple[Path, dict[str, str]]) -> None:
    r, env = repo
    text = (r / "go.sum").read_text()
    first = text.splitlines()[0]
    buf = text.replace(first, gomods.edit_hash(first)).encode()
    ctx = Context(cwd=r, environ=env, options=Options(select=HISTORY), overlay={str(r / "go.sum"): buf})
    res = engine.run(ctx)
    assert [(f.rule, f.line) for f in res.findings] == [("gosum-hash-changed", 1)]
    assert "the editor buffer" in res.findings[0].message


def test_go_work_sum(repo: tuple[Path, dict[str, str]]) -> None:
    r, env = repo
    line = lines(r / "go.sum")[0]
    (r / "go.work").write_text("go 1.21\n\nuse .\n")
    (r / "go.work.sum").write_text(line + "\n")
    gomods.git(r, "add", "-A", env=env)
    gomods.git(r, "commit", "-qm", "work", env=env)
    (r / "go.work.sum").write_text(gomods.edit_hash(line) + "\n")
    gomods.git(r, "add", "go.work.sum", env=env)
    res = run(r, env)
    assert [(f.rule, f.file) for f in res.findings] == [("gosum-hash-changed", str(r / "go.work.sum"))]
    assert "staged go.work.sum" in res.findings[0].message


def test_hook_path_does_not_import_gitpython(repo: tuple[Path, dict[str, str]]) -> None:
    r, env = repo
    change_hash(r / "go.sum", "example.com/dep v1.0.0 ")
    gomods.git(r, "add", "go.sum", env=env)
    code = (
        "import sys\nfrom gozt_lint.cli import main\nrc = main(['--no-env', 'go.mod', 'go.sum'])\n"
        "assert 'git' not in sys.modules, 'gitpython imported'\nprint('rc', rc)\n"
    )
    p = subprocess.run([sys.executable, "-c", code], cwd=r, env=env, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert "[gosum-hash-changed]" in p.stdout and "rc 1" in p.stdout


# -- git commit <path>: the index git builds for a partial commit ----------------------------------


HOOK = """#!/bin/sh
exec {python} -m gozt_lint --no-env --select history
"""


def _install_plain_hook(r: Path) -> None:
    hook = r / ".git" / "hooks" / "pre-commit"
    hook.write_text(HOOK.format(python=sys.executable))
    hook.chmod(0o755)


def test_partial_commit_reads_what_is_committed(repo: tuple[Path, dict[str, str]]) -> None:
    """`git commit go.sum` commits the working-tree go.sum, not the index: the hook sees it."""
    r, env = repo
    _install_plain_hook(r)
    change_hash(r / "go.sum", "example.com/dep v1.0.0 ")  # modified, not staged
    p = gomods.git(r, "commit", "-m", "partial", "go.sum", env=env, check=False)
    assert p.returncode != 0 and "[gosum-hash-changed]" in p.stdout + p.stderr
    assert gomods.git(r, "rev-list", "--count", "HEAD", env=env).stdout.strip() == "1"


def test_partial_commit_of_another_file_ignores_the_staged_go_sum(repo: tuple[Path, dict[str, str]]) -> None:
    """A bad go.sum staged in .git/index but left out of `git commit go.mod` is not being
    committed; GitPython's repo.index would still see it (ecosystem.md §6)."""
    r, env = repo
    _install_plain_hook(r)
    change_hash(r / "go.sum", "example.com/dep v1.0.0 ")
    gomods.git(r, "add", "go.sum", env=env)
    (r / "go.mod").write_text((r / "go.mod").read_text() + "\n// a comment\n")
    p = gomods.git(r, "commit", "-m", "only go.mod", "go.mod", env=env, check=False)
    assert p.returncode == 0, p.stdout + p.stderr
    # ...and the staged go.sum is still caught when it is committed.
    p = gomods.git(r, "commit", "-m", "now go.sum", env=env, check=False)
    assert p.returncode != 0 and "[gosum-hash-changed]" in p.stdout + p.stderr


# -- the real pre-commit --------------------------------------------------------------------------


def _precommit_config() -> str:
    import yaml

    manifest = yaml.safe_load((Path(__file__).resolve().parent.parent / ".pre-commit-hooks.yaml").read_text())
    h = next(h for h in manifest if h["id"] == "gozt-lint")
    hook = {
        "id": h["id"], "name": h["name"], "language": "system", "files": h["files"],
        "require_serial": h.get("require_serial", False),
        "entry": f"{sys.executable} -m gozt_lint {' '.join(str(h['entry']).split()[1:])}",
    }
    return yaml.safe_dump({"repos": [{"repo": "local", "hooks": [hook]}]})


@pytest.fixture
def precommit_repo(repo: tuple[Path, dict[str, str]], tmp_path: Path) -> tuple[Path, dict[str, str]]:
    r, env = repo
    env = {**env, "PRE_COMMIT_HOME": str(tmp_path / "pc-home")}
    (r / ".pre-commit-config.yaml").write_text(_precommit_config())
    gomods.git(r, "add", ".pre-commit-config.yaml", env=env)
    gomods.git(r, "commit", "-qm", "pre-commit", "--no-verify", env=env)
    p = subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=r, env=env, capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    return r, env


def test_precommit_refuses_changed_hash(precommit_repo: tuple[Path, dict[str, str]]) -> None:
    r, env = precommit_repo
    change_hash(r / "go.sum", "example.com/dep v1.0.0/go.mod ")
    gomods.git(r, "add", "go.sum", env=env)
    p = gomods.git(r, "commit", "-m", "tamper", env=env, check=False)
    out = p.stdout + p.stderr
    assert p.returncode != 0 and "[gosum-hash-changed]" in out and "example.com/dep v1.0.0/go.mod" in out
    assert gomods.git(r, "rev-list", "--count", "HEAD", env=env).stdout.strip() == "2"


def test_precommit_accepts_new_module(precommit_repo: tuple[Path, dict[str, str]], made: dict[str, Path]) -> None:
    r, env = precommit_repo
    for name in ("go.mod", "go.sum"):
        shutil.copy(made["added"] / name, r / name)
    shutil.copy(made["added"] / "other.go", r / "other.go")
    gomods.git(r, "add", "-A", env=env)
    p = gomods.git(r, "commit", "-m", "add other", env=env, check=False)
    assert p.returncode == 0, p.stdout + p.stderr


# -- CI: --base, upstream branches, shallow clones -------------------------------------------------


@pytest.fixture
def remote(repo: tuple[Path, dict[str, str]], tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    """origin (bare) with main; a clone on branch feature tracking origin/feature."""
    r, env = repo
    origin = tmp_path / "origin.git"
    gomods.git(tmp_path, "clone", "-q", "--bare", str(r), str(origin), env=env)
    work = tmp_path / "work"
    gomods.git(tmp_path, "clone", "-q", origin.as_uri(), str(work), env=env)
    gomods.git(work, "checkout", "-q", "-b", "feature", env=env)
    return origin, work, env


def test_base_ref_catches_committed_change(remote: tuple[Path, Path, dict[str, str]]) -> None:
    _, work, env = remote
    old, _, n = change_hash(work / "go.sum", "example.com/dep v1.0.0 ")
    gomods.git(work, "commit", "-qam", "tamper", "--no-verify", env=env)
    assert run(work, env).findings == []  # committed: nothing staged differs from HEAD
    res = run(work, env, base="origin/main")
    assert [(f.rule, f.line) for f in res.findings] == [("gosum-hash-changed", n)]
    assert "origin/main records" in res.findings[0].message
    p = cli(work, env, "--select", "history", "--base", "origin/main", "--format", "json")
    assert p.returncode == 1
    doc = json.loads(p.stdout)
    assert [f["rule"] for f in doc["findings"]] == ["gosum-hash-changed"]
    assert doc["findings"][0]["details"]["fix"]["text"] == old


def test_base_is_the_merge_base(remote: tuple[Path, Path, dict[str, str]], made: dict[str, Path]) -> None:
    """main moved on (upgraded dep) after the branch point: not a removal on the branch."""
    origin, work, env = remote
    other = origin.parent / "other"
    gomods.git(origin.parent, "clone", "-q", origin.as_uri(), str(other), env=env)
    for name in ("go.mod", "go.sum"):
        shutil.copy(made["upgraded"] / name, other / name)
    gomods.git(other, "commit", "-qam", "upgrade", env=env)
    gomods.git(other, "push", "-q", "origin", "main", env=env)
    gomods.git(work, "fetch", "-q", "origin", env=env)
    res = run(work, env, base="origin/main")
    assert res.findings == [] and not res.internal_errors


def test_all_uses_upstream_branch(remote: tuple[Path, Path, dict[str, str]]) -> None:
    _, work, env = remote
    gomods.git(work, "push", "-q", "-u", "origin", "feature", env=env)
    change_hash(work / "go.sum", "example.com/dep v1.0.0 ")
    gomods.git(work, "commit", "-qam", "tamper", "--no-verify", env=env)
    res = run(work, env, all=True)
    assert rules(res) == ["gosum-hash-changed"]
    assert "the merge base of origin/feature and HEAD" in res.findings[0].message or "origin/feature records" in res.findings[0].message


def test_github_base_ref(remote: tuple[Path, Path, dict[str, str]]) -> None:
    _, work, env = remote
    gomods.git(work, "checkout", "-q", "--detach", env=env)
    change_hash(work / "go.sum", "example.com/dep v1.0.0 ")
    gomods.git(work, "commit", "-qam", "tamper", "--no-verify", env=env)
    res = run(work, {**env, "GITHUB_BASE_REF": "main"}, all=True)
    assert rules(res) == ["gosum-hash-changed"] and "origin/main" in res.findings[0].message


def test_github_base_ref_not_fetched_is_one_accurate_note(remote: tuple[Path, Path, dict[str, str]]) -> None:
    # actions/checkout's default: the PR merge commit, detached, the base branch not fetched.
    _, work, env = remote
    gomods.git(work, "checkout", "-q", "--detach", env=env)
    gomods.git(work, "update-ref", "-d", "refs/remotes/origin/main", env=env)
    res = run(work, {**env, "GITHUB_BASE_REF": "main"}, all=True)
    history_notes = [n for n in res.notes if n.startswith("history:")]
    assert len(history_notes) == 1, history_notes
    assert "GITHUB_BASE_REF: origin/main: no such branch" in history_notes[0]
    assert "no upstream branch" not in history_notes[0]


def test_missing_base_ref(remote: tuple[Path, Path, dict[str, str]]) -> None:
    _, work, env = remote
    p = cli(work, env, "--select", "history", "--base", "origin/nope")
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert "origin/nope: no such branch, tag or commit" in p.stderr and "git fetch origin nope" in p.stderr
    assert p.stderr.count("origin/nope: no such") == 1  # said once, not once per rule


def test_shallow_clone(remote: tuple[Path, Path, dict[str, str]]) -> None:
    origin, work, env = remote
    # Two commits on feature so that a depth-1 clone does not contain the branch point.
    change_hash(work / "go.sum", "example.com/dep v1.0.0 ")
    gomods.git(work, "commit", "-qam", "tamper", "--no-verify", env=env)
    (work / "main.go").write_text((work / "main.go").read_text() + "\n// more\n")
    gomods.git(work, "commit", "-qam", "more", "--no-verify", env=env)
    gomods.git(work, "push", "-q", "origin", "feature", env=env)
    shallow = origin.parent / "shallow"
    gomods.git(origin.parent, "clone", "-q", "--depth=1", "--branch", "feature", "--single-branch", origin.as_uri(), str(shallow), env=env)
    # The base is not fetched at all: a clear error with what to fetch.
    p = cli(shallow, env, "--select", "history", "--base", "origin/main")
    assert p.returncode == 2
    assert "git fetch" in p.stderr and "shallow clone" in p.stderr
    # Fetched, but without the merge base: hashes still compared with the tip, and a note.
    gomods.git(shallow, "fetch", "-q", "--depth=1", "origin", "main:refs/remotes/origin/main", env=env)
    res = run(shallow, env, base="origin/main")
    assert rules(res) == ["gosum-hash-changed"]
    assert any("--deepen" in n and "--unshallow" in n for n in res.notes)

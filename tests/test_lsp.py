"""End to end: the real server process over stdio, driven by pytest-lsp with the
captured capabilities of Neovim and VS Code, on a module made by the real go.

The oracle for diagnostics is the CLI: `gozt-lint --format json` on the same files
must report exactly what the server shows, position for position (converted to the
negotiated encoding), so every rule the registry gains is covered without changes
here.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, AsyncIterator, Callable, Union

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from gozt_lint.registry import all_rules
from tests import gotool, lsp_fixtures

CLIENTS = ["neovim", "visual-studio-code"]
# Keep background checks snappy in tests (the default waits for a pause in typing).
FAST_INIT = {"goztLint": {"heavyDelayMs": 0}}


def needs(*slugs: str) -> pytest.MarkDecorator:
    missing = [s for s in slugs if s not in all_rules()]
    return pytest.mark.skipif(bool(missing), reason=f"rules not registered yet: {missing}")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> lsp_fixtures.GoModule:
    return lsp_fixtures.build(tmp_path_factory.mktemp("lspe2e"))


@pytest.fixture
def gomodule(built: lsp_fixtures.GoModule, tmp_path: Path) -> lsp_fixtures.GoModule:
    return built.copy_to(tmp_path / "m")


def server_env(m: lsp_fixtures.GoModule, **extra: str) -> dict[str, str]:
    env = dict(m.env.environ)
    env.update(extra)
    return env


@contextlib.asynccontextmanager
async def session(
    m: lsp_fixtures.GoModule,
    client_name: str,
    *,
    env: dict[str, str] | None = None,
    init: dict[str, Any] | None = None,
    configuration: dict[str, Any] | None = None,
) -> AsyncIterator[LanguageClient]:
    client = pytest_lsp.make_test_lsp_client()
    client.registrations = []  # type: ignore[attr-defined]
    # lsprotocol structures any code action that has a "command" key as a Command
    # (losing kind, diagnostics and the command's arguments); editors don't.
    conv = client.protocol._converter

    def command_or_action(obj: Any, _: Any) -> Any:
        if isinstance(obj.get("command"), str):
            return conv.structure(obj, types.Command)
        return conv.structure(obj, types.CodeAction)

    conv.register_structure_hook(Union[types.Command, types.CodeAction], command_or_action)

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(ls: LanguageClient, params: types.RegistrationParams) -> None:
        ls.registrations.append(params)  # type: ignore[attr-defined]

    if configuration is not None:
        client.set_configuration(configuration, section="goztLint")
    await client.start_io(sys.executable, "-m", "gozt_lint", "lsp", env=env or server_env(m))
    result = await client.initialize_session(
        types.InitializeParams(
            capabilities=pytest_lsp.client_capabilities(client_name),
            root_uri=m.dir.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=m.dir.as_uri(), name="m")],
            initialization_options=FAST_INIT if init is None else init,
        )
    )
    client.init_result = result  # type: ignore[attr-defined]
    try:
        yield client
    finally:
        await client.shutdown_session()
        await client.stop()


def open_doc(client: LanguageClient, path: Path, text: str | None = None, version: int = 1) -> str:
    uri = path.as_uri()
    lang = {"go.mod": "go.mod", "go.sum": "go.sum", "go.work": "go.work"}.get(path.name, "go.sum")
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id=lang, version=version, text=path.read_text() if text is None else text
            )
        )
    )
    return uri


def replace_all(client: LanguageClient, uri: str, text: str, version: int) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


async def wait_until(pred: Callable[[], Any], timeout: float = 60.0, what: str = "condition") -> Any:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = pred()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def diags(client: LanguageClient, uri: str) -> list[types.Diagnostic]:
    return list(client.diagnostics.get(uri, []))


def has(client: LanguageClient, uri: str, code: str, line: int | None = None) -> bool:
    return any(d.code == code and (line is None or d.range.start.line == line) for d in diags(client, uri))


def finished_runs(client: LanguageClient) -> list[list[Any]]:
    return [r for r in client.progress_reports.values() if r and isinstance(r[-1], types.WorkDoneProgressEnd)]


def cli_findings(m: lsp_fixtures.GoModule, families: list[str], env: dict[str, str] | None = None) -> list[dict[str, Any]]:
    p = subprocess.run(
        [sys.executable, "-m", "gozt_lint", "--format", "json", "--select", ",".join(families), "go.mod", "go.sum"],
        cwd=m.dir,
        env=env or server_env(m),
        capture_output=True,
        text=True,
    )
    assert p.returncode in (0, 1), p.stderr
    return json.loads(p.stdout)["findings"]


def units(text: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(text.encode("utf-8"))
    if encoding == "utf-32":
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def expected_range(path: Path, f: dict[str, Any], encoding: str) -> tuple[int, int, int, int]:
    lines = path.read_text().split("\n")
    line, end_line = f["line"] - 1, f["end_line"] - 1
    return (
        line,
        units(lines[line][: f["column"] - 1], encoding),
        end_line,
        units(lines[end_line][: f["end_column"] - 1], encoding),
    )


def conflicting_line(m: lsp_fixtures.GoModule) -> str:
    first = m.gosum.read_text().split("\n")[0]
    path, version, h = first.split()
    return f"{path} {version} {h[:-2]}A="


# -- diagnostics -----------------------------------------------------------------------------------


@pytest.mark.parametrize("client_name", CLIENTS)
async def test_text_diagnostics_match_the_cli(gomodule: lsp_fixtures.GoModule, client_name: str) -> None:
    """Exact ranges, codes, severities and doc links for every text-only finding."""
    # A line with non-ASCII text before a position makes the encodings differ.
    dirty = gomodule.gosum.read_text() + conflicting_line(gomodule) + "\nexämple.com/😀x v1.0.0 h1:x=\n"
    gomodule.gosum.write_text(dirty)
    expected = cli_findings(gomodule, ["gomod", "gosum"])
    async with session(gomodule, client_name, init={"goztLint": {"families": ["gomod", "gosum"]}}) as client:
        encoding = client.init_result.capabilities.position_encoding or "utf-16"  # type: ignore[attr-defined]
        mod_uri = open_doc(client, gomodule.gomod)
        sum_uri = open_doc(client, gomodule.gosum)
        await wait_until(lambda: mod_uri in client.diagnostics and sum_uri in client.diagnostics, what="diagnostics")
        got = set()
        for uri, path in ((mod_uri, gomodule.gomod), (sum_uri, gomodule.gosum)):
            for d in diags(client, uri):
                r = d.range
                got.add((str(path), r.start.line, r.start.character, r.end.line, r.end.character, d.code, d.severity, d.message))
                assert d.source == "gozt-lint"
                assert d.code_description is not None and d.code_description.href == all_rules()[str(d.code)].docs_url
    severity = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning, "info": types.DiagnosticSeverity.Information}
    want = set()
    for f in expected:
        path = gomodule.dir / f["file"]  # the CLI prints paths relative to its cwd
        want.add((str(path), *expected_range(path, f, encoding), f["rule"], severity[f["severity"]], f["message"]))
    assert got == want


@needs("gosum-conflict", "pseudo-version")
@pytest.mark.parametrize("client_name", CLIENTS)
async def test_conflict_and_pseudo_version_on_their_lines(gomodule: lsp_fixtures.GoModule, client_name: str) -> None:
    text = gomodule.gosum.read_text() + conflicting_line(gomodule) + "\n"
    gomodule.gosum.write_text(text)
    conflict_line = len(text.split("\n")) - 2
    require_b = lsp_fixtures.line_of(gomodule.gomod, lsp_fixtures.VER_B)
    async with session(gomodule, client_name) as client:
        mod_uri = open_doc(client, gomodule.gomod)
        sum_uri = open_doc(client, gomodule.gosum)
        await wait_until(lambda: has(client, sum_uri, "gosum-conflict", conflict_line), what="gosum-conflict")
        await wait_until(lambda: has(client, mod_uri, "pseudo-version", require_b), what="pseudo-version")
        d = next(d for d in diags(client, mod_uri) if d.code == "pseudo-version")
        assert d.severity == types.DiagnosticSeverity.Information


@needs("gosum-conflict")
@pytest.mark.parametrize("client_name", CLIENTS)
async def test_edits_update_diagnostics(gomodule: lsp_fixtures.GoModule, client_name: str) -> None:
    clean = gomodule.gosum.read_text()
    bad = clean + conflicting_line(gomodule) + "\n"
    async with session(gomodule, client_name) as client:
        sum_uri = open_doc(client, gomodule.gosum)
        await wait_until(lambda: sum_uri in client.diagnostics, what="first publish")
        assert not has(client, sum_uri, "gosum-conflict")
        replace_all(client, sum_uri, bad, 2)
        await wait_until(lambda: has(client, sum_uri, "gosum-conflict", len(bad.split("\n")) - 2), what="conflict after edit")
        # An incremental edit (delete the bad line) clears it again.
        n = len(clean.split("\n")) - 1
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=sum_uri, version=3),
                content_changes=[
                    types.TextDocumentContentChangePartial(
                        range=types.Range(start=types.Position(line=n, character=0), end=types.Position(line=n + 1, character=0)),
                        text="",
                    )
                ],
            )
        )
        await wait_until(lambda: not has(client, sum_uri, "gosum-conflict"), what="conflict cleared")
        # Nothing was written to disk.
        assert gomodule.gosum.read_text() == clean


# -- background checks ----------------------------------------------------------------------------


@needs("sumdb-disabled")
@pytest.mark.parametrize("client_name", CLIENTS)
async def test_environment_findings_with_progress(gomodule: lsp_fixtures.GoModule, client_name: str) -> None:
    """GOSUMDB=off (as the hermetic env has it) lands on the module line, from the
    worker process, with work-done progress begin/report/end."""
    module_line = lsp_fixtures.line_of(gomodule.gomod, "module ")
    async with session(gomodule, client_name) as client:
        mod_uri = open_doc(client, gomodule.gomod)
        await wait_until(lambda: has(client, mod_uri, "sumdb-disabled", module_line), what="sumdb-disabled")
        runs = await wait_until(lambda: [r for r in finished_runs(client) if r[-1].message == "done"], what="progress end")
        begin = runs[-1][0]
        assert isinstance(begin, types.WorkDoneProgressBegin) and begin.cancellable
        assert any(isinstance(r, types.WorkDoneProgressReport) for r in runs[-1])
        expected = cli_findings(gomodule, ["env"])
        env_codes = {f["rule"] for f in expected}
        shown = {d.code for d in diags(client, mod_uri)}
        assert env_codes <= shown


@pytest.mark.parametrize("client_name", CLIENTS)
async def test_superseded_background_checks_are_cancelled(gomodule: lsp_fixtures.GoModule, client_name: str) -> None:
    text = gomodule.gosum.read_text()
    async with session(gomodule, client_name) as client:
        sum_uri = open_doc(client, gomodule.gosum)
        for v in range(2, 8):
            replace_all(client, sum_uri, text + "\n" * v, v)
            await asyncio.sleep(0.3)
        runs = await wait_until(lambda: [r for r in finished_runs(client) if r[-1].message == "done"], what="a finished run")
        ends = [r[-1].message for r in finished_runs(client)]
        assert "superseded" in ends, ends
        assert len(runs) >= 1


# -- hover -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("client_name", CLIENTS)
async def test_hover_shows_provenance(gomodule: lsp_fixtures.GoModule, client_name: str) -> None:
    ziphash = (gomodule.env.gomodcache / "cache/download/example.com/a/@v/v1.0.0.ziphash").read_text().strip()
    async with session(gomodule, client_name) as client:
        mod_uri = open_doc(client, gomodule.gomod)
        sum_uri = open_doc(client, gomodule.gosum)
        line = lsp_fixtures.line_of(gomodule.gomod, lsp_fixtures.MOD_A)
        for uri, ln in ((mod_uri, line), (sum_uri, 0)):
            h = await client.text_document_hover_async(
                types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=ln, character=5))
            )
            assert h is not None
            text = h.contents.value  # type: ignore[union-attr]
            assert "`example.com/a` `v1.0.0`" in text
            assert f"`{ziphash}` (same as go.sum)" in text
            assert lsp_fixtures.ORIGIN_A["URL"] in text and "unauthenticated" in text
            assert "Downloaded" in text
        # Not a module line: nothing.
        h = await client.text_document_hover_async(
            types.HoverParams(text_document=types.TextDocumentIdentifier(uri=mod_uri), position=types.Position(line=0, character=1))
        )
        assert h is None


@pytest.mark.parametrize("client_name", CLIENTS[:1])
async def test_hover_on_go_and_toolchain_lines(gomodule: lsp_fixtures.GoModule, client_name: str) -> None:
    text = gomodule.gomod.read_text().replace("go 1.21\n", "go 1.21\n\ntoolchain go1.99.0\n", 1)
    gomodule.gomod.write_text(text)
    async with session(gomodule, client_name) as client:
        uri = open_doc(client, gomodule.gomod)

        async def hover(needle: str) -> str:
            h = await client.text_document_hover_async(
                types.HoverParams(
                    text_document=types.TextDocumentIdentifier(uri=uri),
                    position=types.Position(line=lsp_fixtures.line_of(gomodule.gomod, needle), character=1),
                )
            )
            assert h is not None
            return h.contents.value  # type: ignore[union-attr]

        go_line = await hover("go 1.21")
        assert "**`go 1.21`**" in go_line and "`go1.21.0` or later" in go_line and "satisfies the line" in go_line
        assert f"(`{gotool.go_version()}`)" in go_line and f"`{gotool.goroot()}`" in go_line
        assert "release go1.21.0" not in go_line  # satisfied: no switch, nothing to look up
        # No release manifest offline in this hermetic world: said, with the way out.
        assert f"`golang.org/toolchain@v0.0.1-{gotool.go_version()}." in go_line and "--online" in go_line
        tc_line = await hover("toolchain go1.99.0")
        assert "`go1.99.0` or later (the toolchain line)" in tc_line and "older than the line asks" in tc_line
        assert "release go1.99.0" in tc_line and "golang.org/toolchain@v0.0.1-go1.99.0." in tc_line


# -- code actions and commands --------------------------------------------------------------------


def as_actions(result: Any) -> list[types.CodeAction]:
    actions = list(result or [])
    assert all(isinstance(a, types.CodeAction) for a in actions), actions
    for a in actions:
        assert a.kind == types.CodeActionKind.QuickFix and a.diagnostics
        assert (a.edit is None) != (a.command is None)  # a previewable edit or a command
    return actions


@needs("pseudo-version")
@pytest.mark.parametrize("client_name", CLIENTS)
async def test_ignore_action_writes_config_and_clears_the_finding(gomodule: lsp_fixtures.GoModule, client_name: str) -> None:
    require_b = lsp_fixtures.line_of(gomodule.gomod, lsp_fixtures.VER_B)
    config = gomodule.dir / ".gozt-lint.toml"
    config.write_text("# keep this comment\n[rules]\n")
    async with session(gomodule, client_name) as client:
        mod_uri = open_doc(client, gomodule.gomod)
        await wait_until(lambda: has(client, mod_uri, "pseudo-version", require_b), what="pseudo-version")
        d = next(d for d in diags(client, mod_uri) if d.code == "pseudo-version")
        result = await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=mod_uri),
                range=d.range,
                context=types.CodeActionContext(diagnostics=[d]),
            )
        )
        actions = [a for a in as_actions(result) if a.title.startswith("Ignore pseudo-version")]
        assert len(actions) == 1
        cmd = actions[0].command
        assert cmd is not None and cmd.arguments
        args = [dict(cmd.arguments[0], reason="tracked in JIRA-1")]
        await client.workspace_execute_command_async(types.ExecuteCommandParams(command=cmd.command, arguments=args))
        await wait_until(lambda: not has(client, mod_uri, "pseudo-version"), what="finding ignored")
    text = config.read_text()
    assert text.startswith("# keep this comment\n")
    assert 'rule = "pseudo-version"' in text and 'module = "example.com/b"' in text and 'reason = "tracked in JIRA-1"' in text


@needs("gosum-conflict")
@pytest.mark.parametrize("client_name", CLIENTS)
async def test_config_file_change_on_disk_is_watched(gomodule: lsp_fixtures.GoModule, client_name: str) -> None:
    gomodule.gosum.write_text(gomodule.gosum.read_text() + conflicting_line(gomodule) + "\n")
    async with session(gomodule, client_name) as client:
        sum_uri = open_doc(client, gomodule.gosum)
        await wait_until(lambda: has(client, sum_uri, "gosum-conflict"), what="conflict")
        dynamic = pytest_lsp.client_capabilities(client_name).workspace.did_change_watched_files  # type: ignore[union-attr]
        if dynamic is not None and dynamic.dynamic_registration:
            regs = await wait_until(lambda: client.registrations, what="watcher registration")  # type: ignore[attr-defined]
            reg = regs[0].registrations[0]
            assert reg.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
            watchers = reg.register_options["watchers"]  # the client leaves options unstructured
            assert "**/.gozt-lint.toml" in {w["globPattern"] for w in watchers}
        config = gomodule.dir / ".gozt-lint.toml"
        config.write_text('[rules]\ngosum-conflict = "off"\n')
        client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(changes=[types.FileEvent(uri=config.as_uri(), type=types.FileChangeType.Created)])
        )
        await wait_until(lambda: not has(client, sum_uri, "gosum-conflict"), what="rule turned off")


@needs("gosum-conflict")
@pytest.mark.parametrize("client_name", CLIENTS)
async def test_configuration_changes_are_honoured(gomodule: lsp_fixtures.GoModule, client_name: str) -> None:
    gomodule.gosum.write_text(gomodule.gosum.read_text() + conflicting_line(gomodule) + "\n")
    async with session(gomodule, client_name, configuration={"severity": {"gosum-conflict": "info"}}) as client:
        sum_uri = open_doc(client, gomodule.gosum)
        await wait_until(
            lambda: any(d.code == "gosum-conflict" and d.severity == types.DiagnosticSeverity.Information for d in diags(client, sum_uri)),
            what="severity override",
        )
        client.set_configuration({"families": ["gomod"]}, section="goztLint")
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
        await wait_until(lambda: sum_uri in client.diagnostics and not diags(client, sum_uri), what="gosum family off")


@needs("pseudo-version")
async def test_multi_root_workspace_takes_each_folders_settings(built: lsp_fixtures.GoModule, tmp_path: Path) -> None:
    """One server, several workspace folders: each folder's settings apply to its
    files, and a folder added later is served with its own."""
    a = built.copy_to(tmp_path / "ws" / "a")
    b = built.copy_to(tmp_path / "ws" / "b")
    c = built.copy_to(tmp_path / "ws" / "c")
    require_b = lsp_fixtures.line_of(a.gomod, lsp_fixtures.VER_B)
    client = pytest_lsp.make_test_lsp_client()
    client.set_configuration({"heavyDelayMs": 0}, section="goztLint")
    client.set_configuration({"heavyDelayMs": 0, "severity": {"pseudo-version": "off"}}, section="goztLint", scope_uri=b.dir.as_uri())
    client.set_configuration({"heavyDelayMs": 0, "severity": {"pseudo-version": "error"}}, section="goztLint", scope_uri=c.dir.as_uri())
    await client.start_io(sys.executable, "-m", "gozt_lint", "lsp", env=server_env(a))
    await client.initialize_session(
        types.InitializeParams(
            capabilities=pytest_lsp.client_capabilities("visual-studio-code"),
            root_uri=a.dir.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=a.dir.as_uri(), name="a"), types.WorkspaceFolder(uri=b.dir.as_uri(), name="b")],
            initialization_options=FAST_INIT,
        )
    )
    try:
        mod_a = open_doc(client, a.gomod)
        mod_b = open_doc(client, b.gomod)
        await wait_until(lambda: has(client, mod_a, "pseudo-version", require_b), what="pseudo-version in folder a")
        await wait_until(lambda: mod_b in client.diagnostics, what="diagnostics for folder b")
        await asyncio.sleep(1.0)  # let any late publish arrive
        assert not has(client, mod_b, "pseudo-version"), "folder b turns pseudo-version off"
        # A folder added later is served with its own settings.
        mod_c = open_doc(client, c.gomod)
        client.workspace_did_change_workspace_folders(
            types.DidChangeWorkspaceFoldersParams(
                event=types.WorkspaceFoldersChangeEvent(added=[types.WorkspaceFolder(uri=c.dir.as_uri(), name="c")], removed=[])
            )
        )
        await wait_until(
            lambda: any(d.code == "pseudo-version" and d.severity == types.DiagnosticSeverity.Error for d in diags(client, mod_c)),
            what="folder c's severity",
        )
        d = next(d for d in diags(client, mod_a) if d.code == "pseudo-version")
        assert d.severity == types.DiagnosticSeverity.Information
    finally:
        await client.shutdown_session()
        await client.stop()


# -- robustness -------------------------------------------------------------------------------------


@pytest.mark.parametrize("client_name", CLIENTS)
async def test_survives_bad_requests_and_bad_input(gomodule: lsp_fixtures.GoModule, client_name: str, tmp_path: Path) -> None:
    env = server_env(gomodule)
    async with session(gomodule, client_name, env=env, init={"goztLint": {"heavyDelayMs": 0, "go": str(tmp_path / "no-such-go")}}) as client:
        ghost = (tmp_path / "ghost" / "go.sum").as_uri()
        # Requests about documents that were never opened.
        assert await client.text_document_hover_async(
            types.HoverParams(text_document=types.TextDocumentIdentifier(uri=ghost), position=types.Position(line=0, character=0))
        ) is None
        assert not await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=ghost),
                range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)),
                context=types.CodeActionContext(
                    diagnostics=[
                        types.Diagnostic(
                            range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)),
                            message="forged",
                            source="gozt-lint",
                            data={"rule": "x", "fix": {"kind": "remove-line", "file": 42, "line": "no"}},
                        )
                    ]
                ),
            )
        )
        replace_all(client, ghost, "junk", 9)  # a change to a document never opened
        with pytest.raises(Exception):
            await client.workspace_execute_command_async(types.ExecuteCommandParams(command="gozt-lint.noSuchCommand"))
        await client.workspace_execute_command_async(types.ExecuteCommandParams(command="gozt-lint.addIgnore", arguments=["nonsense", 3]))
        # Non-UTF-8 bytes on disk and a lone surrogate and NULs in the buffer.
        weird = tmp_path / "weird"
        weird.mkdir()
        (weird / "go.mod").write_bytes(b"module example.com/w\n\ngo 1.21\n// \xff\xfe\n")
        wmod = open_doc(client, weird / "go.mod", text="module example.com/w\n\ngo 1.21\n// \ud800 \x00\n")
        wsum = open_doc(client, weird / "go.sum", text="\x00\x01 binary \udcff\n" * 50)
        await wait_until(lambda: wmod in client.diagnostics and wsum in client.diagnostics, what="weird buffers checked")
        # A file that vanishes while open, then changes in the editor.
        gone = tmp_path / "gone"
        gone.mkdir()
        (gone / "go.mod").write_text("module example.com/g\n\ngo 1.21\n")
        gmod = open_doc(client, gone / "go.mod")
        (gone / "go.mod").unlink()
        gone.rmdir()
        replace_all(client, gmod, "module example.com/g\n\ngo 1.22\n", 2)
        client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(changes=[types.FileEvent(uri=gmod, type=types.FileChangeType.Deleted)])
        )
        # Still serving: the real module gets its diagnostics and hover.
        mod_uri = open_doc(client, gomodule.gomod)
        await wait_until(lambda: mod_uri in client.diagnostics, what="diagnostics after abuse")
        h = await client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=mod_uri),
                position=types.Position(line=lsp_fixtures.line_of(gomodule.gomod, lsp_fixtures.MOD_A), character=3),
            )
        )
        assert h is not None
        await wait_until(lambda: finished_runs(client), what="a background run despite a missing go")
        # Logged, never popped up as server errors.
        assert not [m for m in client.messages if m.type == types.MessageType.Error], client.messages


def test_lsp_subcommand_help_goes_to_stdout_and_exits(tmp_path: Path) -> None:
    p = subprocess.run([sys.executable, "-m", "gozt_lint", "lsp", "--help"], capture_output=True, text=True, cwd=tmp_path)
    assert p.returncode == 0 and "language server" in p.stdout


async def test_stdout_carries_only_protocol(
    gomodule: lsp_fixtures.GoModule, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """Whatever code running inside the server prints (here a stand-in for a noisy
    rule: the core's Context.discover wrapped to print and to start a child that
    writes to the inherited stdout) goes to stderr, never into the protocol channel."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(
        "import builtins, os, sys\n"
        "_import = builtins.__import__\n"
        "def _hook(name, *a, **k):\n"
        "    m = _import(name, *a, **k)\n"
        "    ctx = sys.modules.get('gozt_lint.context')\n"
        "    if ctx is not None and hasattr(ctx, 'Context') and not getattr(ctx, '_noisy', False):\n"
        "        ctx._noisy = True\n"
        "        discover = ctx.Context.discover\n"
        "        def noisy(self):\n"
        "            print('noise from a rule')\n"
        "            os.system('echo noise from a child')\n"
        "            return discover(self)\n"
        "        ctx.Context.discover = noisy\n"
        "    return m\n"
        "builtins.__import__ = _hook\n"
    )
    env = server_env(gomodule, PYTHONPATH=str(site))
    async with session(gomodule, "neovim", env=env) as client:
        mod_uri = open_doc(client, gomodule.gomod)
        await wait_until(lambda: mod_uri in client.diagnostics, what="diagnostics")
        await wait_until(lambda: finished_runs(client), what="a background run")
    assert client.error is None
    err = capfd.readouterr().err
    assert "noise from a rule" in err and "noise from a child" in err


@needs("sumdb-disabled")
async def test_go_work_gets_environment_findings_on_its_go_line(gomodule: lsp_fixtures.GoModule) -> None:
    work = gomodule.dir.parent / "go.work"
    work.write_text("// workspace\ngo 1.21\n\nuse ./m\n")
    async with session(gomodule, "visual-studio-code") as client:
        uri = open_doc(client, work)
        await wait_until(lambda: has(client, uri, "sumdb-disabled", 1), what="sumdb-disabled on the go line")
        # Hover on a use line names no module version: nothing to show.
        h = await client.text_document_hover_async(
            types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=3, character=1))
        )
        assert h is None


def apply_edit(text: str, edit: types.TextEdit, encoding: str) -> str:
    """Apply one TextEdit as an editor would (positions in the negotiated units)."""
    lines = text.split("\n")

    def offset(pos: types.Position) -> int:
        line = lines[pos.line] if pos.line < len(lines) else ""
        chars, n = 0, 0
        for c in line:
            if n >= pos.character:
                break
            n += units(c, encoding)
            chars += 1
        return sum(len(x) + 1 for x in lines[: pos.line]) + chars

    a, b = offset(edit.range.start), offset(edit.range.end)
    return text[:a] + edit.new_text + text[b:]


@needs("gosum-hash-changed")
@pytest.mark.parametrize("client_name", CLIENTS)
async def test_restore_line_action_from_history(gomodule: lsp_fixtures.GoModule, client_name: str) -> None:
    """A go.sum hash edited in the buffer differs from HEAD: the history rule says so
    on that line, and the quick fix's edit puts HEAD's line back."""
    env = dict(gomodule.env.environ)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"]
    for args in (["init", "-q"], ["add", "go.mod", "go.sum"], ["commit", "-qm", "base"]):
        subprocess.run(git + args, cwd=gomodule.dir, env=env, check=True, capture_output=True)
    head = gomodule.gosum.read_text()
    line = 0
    first = head.split("\n")[line]
    tampered = head.replace(first, first[:-2] + ("B=" if not first.endswith("B=") else "C="), 1)
    async with session(gomodule, client_name) as client:
        encoding = client.init_result.capabilities.position_encoding or "utf-16"  # type: ignore[attr-defined]
        sum_uri = open_doc(client, gomodule.gosum, text=tampered)
        await wait_until(lambda: has(client, sum_uri, "gosum-hash-changed", line), what="gosum-hash-changed")
        d = next(d for d in diags(client, sum_uri) if d.code == "gosum-hash-changed")
        result = await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=sum_uri), range=d.range, context=types.CodeActionContext(diagnostics=[d])
            )
        )
        restore = [a for a in as_actions(result) if a.title.startswith("Restore the recorded line")]
        assert len(restore) == 1 and restore[0].edit is not None and restore[0].is_preferred
        (uri, edits), = restore[0].edit.changes.items()  # type: ignore[union-attr]
        assert uri == sum_uri and len(edits) == 1
        fixed = apply_edit(tampered, edits[0], encoding)
        assert fixed == head
        replace_all(client, sum_uri, fixed, 2)
        await wait_until(lambda: not has(client, sum_uri, "gosum-hash-changed"), what="restored", timeout=90)


@needs("gosum-line-removed")
@pytest.mark.parametrize("client_name", CLIENTS)
async def test_restore_line_action_for_a_removed_line(gomodule: lsp_fixtures.GoModule, client_name: str) -> None:
    """A go.sum line dropped in the buffer while go.mod still requires that version:
    the quick fix puts HEAD's line back where the go command would write it."""
    env = dict(gomodule.env.environ)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"]
    for args in (["init", "-q"], ["add", "go.mod", "go.sum"], ["commit", "-qm", "base"]):
        subprocess.run(git + args, cwd=gomodule.dir, env=env, check=True, capture_output=True)
    head = gomodule.gosum.read_text()
    gone = next(ln for ln in head.split("\n") if ln.startswith(f"{lsp_fixtures.MOD_A} {lsp_fixtures.VER_A}/go.mod "))
    edited = head.replace(gone + "\n", "", 1)
    assert edited != head
    async with session(gomodule, client_name) as client:
        encoding = client.init_result.capabilities.position_encoding or "utf-16"  # type: ignore[attr-defined]
        sum_uri = open_doc(client, gomodule.gosum, text=edited)
        await wait_until(lambda: has(client, sum_uri, "gosum-line-removed"), what="gosum-line-removed", timeout=90)
        d = next(d for d in diags(client, sum_uri) if d.code == "gosum-line-removed")
        result = await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=sum_uri), range=d.range, context=types.CodeActionContext(diagnostics=[d])
            )
        )
        restore = [a for a in as_actions(result) if a.title.startswith("Restore the recorded line")]
        assert len(restore) == 1 and restore[0].edit is not None and restore[0].is_preferred
        assert gone in restore[0].title
        (uri, edits), = restore[0].edit.changes.items()  # type: ignore[union-attr]
        assert uri == sum_uri and len(edits) == 1
        fixed = apply_edit(edited, edits[0], encoding)
        assert fixed == head
        replace_all(client, sum_uri, fixed, 2)
        await wait_until(lambda: not has(client, sum_uri, "gosum-line-removed"), what="restored", timeout=90)


@needs("modcache-zip-tampered")
async def test_quarantine_action_moves_a_tampered_cache_entry(tmp_path: Path) -> None:
    from gozt_lint.lsp.actions import _quarantine_fn

    if _quarantine_fn() is None:
        pytest.skip("gozt_lint.repair.quarantine is not in this build")
    m = lsp_fixtures.build(tmp_path / "b")  # its own cache: this test changes it
    z = m.env.gomodcache / "cache/download/example.com/a/@v/v1.0.0.zip"
    os.chmod(z, 0o644)
    # Same names, one changed byte of content; the .ziphash still vouches for the old one.
    z.write_bytes(
        gotool.make_zip(
            lsp_fixtures.MOD_A, lsp_fixtures.VER_A, {"go.mod": f"module {lsp_fixtures.MOD_A}\n\ngo 1.21\n", "a.go": "package b\n"}
        )
    )
    init = {"goztLint": {"heavyDelayMs": 0, "families": ["gomod", "gosum", "modcache"]}}
    try:
        async with session(m, "visual-studio-code", init=init) as client:
            sum_uri = open_doc(client, m.gosum)
            await wait_until(lambda: has(client, sum_uri, "modcache-zip-tampered", 0), what="tampered zip on the go.sum line", timeout=120)
            d = next(d for d in diags(client, sum_uri) if d.code == "modcache-zip-tampered")
            result = await client.text_document_code_action_async(
                types.CodeActionParams(
                    text_document=types.TextDocumentIdentifier(uri=sum_uri), range=d.range, context=types.CodeActionContext(diagnostics=[d])
                )
            )
            q = [a for a in as_actions(result) if a.title.startswith("Quarantine example.com/a@v1.0.0")]
            assert len(q) == 1 and q[0].command is not None
            await client.workspace_execute_command_async(
                types.ExecuteCommandParams(command=q[0].command.command, arguments=q[0].command.arguments)
            )
            await wait_until(lambda: not z.exists(), what="the zip left the cache")
            await wait_until(lambda: not has(client, sum_uri, "modcache-zip-tampered"), what="finding gone", timeout=120)
    finally:
        gotool.make_writable(m.env.root)

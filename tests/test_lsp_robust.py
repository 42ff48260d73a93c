"""The language server under abuse, as a real process over stdio: every request
answered (a JSON-RPC error for an invalid one, never silence), hovers answered
while a long check runs, documents above the size limit kept out of analysis
with one diagnostic, and the process gone within 2 s of `exit` whatever it is
doing. pytest-lsp is the client; malformed framing is written by hand."""

from __future__ import annotations

import asyncio
import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, AsyncIterator

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pytest_lsp import LanguageClient

from gozt_lint.lsp.robust import MAX_DOCUMENT_BYTES
from tests import gotool


def server_env(tmp_path: Path) -> dict[str, str]:
    env = dict(gotool.hermetic_env(tmp_path / "goenv").environ)
    env["GOZT_LINT_CACHE_DIR"] = str(tmp_path / "memo")
    return env


async def start(tmp_path: Path, root: Path, families: list[str] | None = None) -> LanguageClient:
    client = pytest_lsp.make_test_lsp_client()

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(ls: LanguageClient, params: types.RegistrationParams) -> None:
        pass  # file watching: accepted, never used here

    await client.start_io(sys.executable, "-m", "gozt_lint", "lsp", env=server_env(tmp_path))
    init: dict[str, Any] = {"goztLint": {"heavyDelayMs": 0}}
    if families is not None:
        init["goztLint"]["families"] = families
    await client.initialize_session(
        types.InitializeParams(
            capabilities=pytest_lsp.client_capabilities("visual-studio-code"),
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="w")],
            initialization_options=init,
        )
    )
    return client


def open_doc(client: LanguageClient, path: Path, text: str | None = None, version: int = 1) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id=path.name, version=version, text=path.read_text() if text is None else text
            )
        )
    )
    return uri


async def wait_until(pred: Any, timeout: float = 60.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def children(pid: int) -> set[int]:
    out = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.add(int(entry))
    return out


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture
def module(tmp_path: Path) -> Path:
    d = tmp_path / "w"
    d.mkdir()
    (d / "go.mod").write_text("module example.com/m\n\ngo 1.22\n\nrequire example.com/a v1.0.0\n")
    return d


@pytest.fixture
async def client(tmp_path: Path, module: Path) -> AsyncIterator[LanguageClient]:
    c = await start(tmp_path, module, ["gomod", "gosum"])
    yield c
    await c.shutdown_session()
    await c.stop()


# -- every request answered ----------------------------------------------------------------


async def test_invalid_hover_gets_an_error_not_silence(client: LanguageClient, module: Path) -> None:
    uri = open_doc(client, module / "go.mod")
    for field, value in (("line", -1), ("character", -5)):
        pos = types.Position(line=0, character=0)
        object.__setattr__(pos, field, value)  # what lsprotocol would refuse to build
        params = types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=pos)
        with pytest.raises(JsonRpcInvalidParams):
            await asyncio.wait_for(client.text_document_hover_async(params), 10)
    # ... and the server is still serving.
    hover = await asyncio.wait_for(
        client.text_document_hover_async(
            types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=4, character=10))
        ),
        60,
    )
    assert hover is not None and "example.com/a" in str(hover.contents)


class Raw:
    """The server over a pipe, spoken to byte by byte."""

    def __init__(self, tmp_path: Path) -> None:
        self.p = subprocess.Popen(
            [sys.executable, "-m", "gozt_lint", "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, env=server_env(tmp_path),
        )
        self.buf = b""

    def send_bytes(self, body: bytes) -> None:
        assert self.p.stdin is not None
        self.p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.p.stdin.flush()

    def send(self, obj: Any) -> None:
        self.send_bytes(json.dumps(obj).encode())

    def reply(self, timeout: float = 20) -> dict[str, Any]:
        """The next message that is a response (has no method)."""
        assert self.p.stdout is not None
        deadline = time.monotonic() + timeout
        while True:
            while b"\r\n\r\n" in self.buf:
                head, rest = self.buf.split(b"\r\n\r\n", 1)
                n = int(next(h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")).split(b":")[1])
                if len(rest) < n:
                    break
                msg, self.buf = json.loads(rest[:n]), rest[n:]
                if "method" not in msg:
                    return msg  # type: ignore[no-any-return]
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no reply")
            if select.select([self.p.stdout], [], [], left)[0]:
                chunk = os.read(self.p.stdout.fileno(), 65536)
                if not chunk:
                    raise AssertionError("server closed its output")
                self.buf += chunk

    def close(self) -> None:
        if self.p.poll() is None:
            self.p.kill()
        self.p.wait()


def test_malformed_messages_get_json_rpc_errors(tmp_path: Path, module: Path) -> None:
    raw = Raw(tmp_path)
    try:
        raw.send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}, "rootUri": module.as_uri()}})
        assert "result" in raw.reply(60)
        raw.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
        raw.send_bytes(b"{this is not json")
        assert raw.reply() == {"jsonrpc": "2.0", "id": None, "error": raw_error(raw, -32700)}
        raw.send({"id": 7, "method": "textDocument/hover", "params": {}})  # no "jsonrpc"
        r = raw.reply()
        assert (r["id"], r["error"]["code"]) == (7, -32600)
        raw.send({"jsonrpc": "2.0", "id": 8, "method": "textDocument/hover", "params": {"position": "here"}})
        r = raw.reply()
        assert (r["id"], r["error"]["code"]) == (8, -32602)
        raw.send({"jsonrpc": "2.0", "id": 9, "method": "shutdown"})
        assert raw.reply() == {"jsonrpc": "2.0", "id": 9, "result": None}
        raw.send({"jsonrpc": "2.0", "id": 10, "method": "textDocument/hover", "params": {}})
        r = raw.reply()
        assert (r["id"], r["error"]["code"]) == (10, -32600)
        raw.send({"jsonrpc": "2.0", "method": "exit"})
        assert raw.p.wait(5) == 0
    finally:
        raw.close()


def raw_error(raw: Raw, code: int) -> Any:
    class Code:
        def __eq__(self, other: object) -> bool:
            return isinstance(other, dict) and other.get("code") == code and "message" in other

    return Code()


# -- documents too large to analyse ------------------------------------------------------------


async def test_oversized_go_sum_is_kept_out_with_one_diagnostic(client: LanguageClient, module: Path) -> None:
    line = "example.com/x{} v1.0.0 h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
    big = "".join(line.format(i) for i in range(MAX_DOCUMENT_BYTES // len(line.format(0)) + 1000))
    assert len(big) > MAX_DOCUMENT_BYTES
    gosum = module / "go.sum"
    gosum.write_text("")
    mod_uri = open_doc(client, module / "go.mod")
    uri = open_doc(client, gosum, big)
    diags = await wait_until(lambda: client.diagnostics.get(uri), what="the size diagnostic")
    assert len(diags) == 1 and "MiB limit" in diags[0].message and "go.sum" in diags[0].message
    await wait_until(lambda: [d for d in client.diagnostics.get(mod_uri, []) if "MiB limit" in d.message], what="go.mod told too")
    hover = await asyncio.wait_for(
        client.text_document_hover_async(
            types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=3, character=5))
        ),
        10,
    )
    assert hover is None
    # Cut back to a real size: analysed again.
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text="example.com/a v1.0.0 h1:bad\n")],
        )
    )
    diags = await wait_until(
        lambda: [d for d in client.diagnostics.get(uri, []) if d.code == "gosum-syntax"], what="a real check of the small go.sum"
    )
    assert not [d for d in client.diagnostics.get(uri, []) if "MiB limit" in d.message]


# -- responsive while checking, gone promptly on exit ----------------------------------------------


def slow_module(d: Path) -> None:
    """A fast check that runs for a long time on valid input: thousands of
    findings, each matched against thousands of ignore patterns that never match."""
    requires = "".join(f"\texample.com/m{i} v1.0.{i}\n" for i in range(3000))
    (d / "go.mod").write_text(f"module example.com/m\n\ngo 1.22\n\nrequire (\n{requires})\n")
    (d / ".gozt-lint.toml").write_text(
        "".join(f'[[ignore]]\nmodule = "nomatch{i}.example/*/x"\nreason = "r"\n' for i in range(2000))
    )


async def test_hover_answered_during_a_long_check_and_exit_within_2s(tmp_path: Path) -> None:
    d = tmp_path / "slow"
    d.mkdir()
    slow_module(d)
    client = await start(tmp_path, d, ["gomod", "gosum", "modcache", "env"])
    server = client._server
    assert server is not None
    uri = open_doc(client, d / "go.mod")
    await asyncio.sleep(1.0)
    hover = await asyncio.wait_for(
        client.text_document_hover_async(
            types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=5, character=3))
        ),
        30,
    )
    assert hover is not None
    fast = [d for d in client.diagnostics.get(uri, []) if d.code == "gosum-missing"]
    assert not fast, "the fast check finished too soon to show anything"
    kids = children(server.pid)
    await asyncio.wait_for(client.shutdown_async(None), 10)
    t0 = time.monotonic()
    client.exit(None)
    await asyncio.wait_for(server.wait(), 30)
    assert time.monotonic() - t0 < 2.0
    assert server.returncode == 0
    await wait_until(lambda: not any(alive(k) for k in kids), 5, "the server's worker processes to be gone")
    await client.stop()


async def test_exit_without_shutdown_and_a_vanished_client(tmp_path: Path) -> None:
    d = tmp_path / "slow"
    d.mkdir()
    slow_module(d)
    client = await start(tmp_path, d, ["gomod", "gosum"])
    server = client._server
    assert server is not None
    open_doc(client, d / "go.mod")
    await asyncio.sleep(1.0)
    t0 = time.monotonic()
    client.exit(None)  # no shutdown first: exit code 1, as the specification says
    await asyncio.wait_for(server.wait(), 30)
    assert time.monotonic() - t0 < 2.0 and server.returncode == 1
    await client.stop()

    raw = Raw(tmp_path)
    try:
        raw.send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}, "rootUri": d.as_uri()}})
        raw.reply(60)
        raw.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
        text = (d / "go.mod").read_text()
        raw.send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": (d / "go.mod").as_uri(), "languageId": "go.mod", "version": 1, "text": text}}})
        time.sleep(1.0)
        assert raw.p.stdin is not None
        t0 = time.monotonic()
        raw.p.stdin.close()  # the editor crashed
        assert raw.p.wait(30) == 1
        assert time.monotonic() - t0 < 2.0
    finally:
        raw.close()

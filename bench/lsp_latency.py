#!/usr/bin/env python3
"""Language server latency: a change to a 3,000-line go.sum until its diagnostics are
published (target: text-only checks within 50 ms, server-side time).

    python bench/lsp_latency.py [--corpus DIR] [--edits N] [--where end|middle|inline] [--families ...]

It copies go.mod/go.sum from the corpus (default: ../shared/corpus/grafana__grafana,
3,693 go.sum lines) into a temporary directory, starts `gozt-lint lsp` over stdio
with GOZT_LINT_LSP_TIMING=1, opens both files, waits for the first background run
to finish, then sends N incremental edits to go.sum (--where: end = alternately
append a line that conflicts with the first one and delete it again; middle = the
same in the middle of the file, so every later line moves; inline = retype one
character of a hash in the middle line) and waits after each for the publish of
that version. It reports:

  server: from the didChange handler to the publishDiagnostics write (logged by the
          server itself: the figure the target is about);
  server cpu: the CPU time the server's threads spent on that cycle (what the
          figure would be on an idle machine: the others grow with the load);
  client: from sending didChange to receiving publishDiagnostics (adds pipe I/O and
          JSON on both sides).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# ../shared next to the checkout (or next to its worktree folder).
DEFAULT_CORPUS = next(
    (p for p in (HERE.parent.parent / "shared", HERE.parent.parent.parent / "shared") if p.is_dir()),
    HERE.parent.parent / "shared",
) / "corpus" / "grafana__grafana"


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


async def bench(corpus: Path, edits: int, families: list[str] | None, where: str) -> int:
    import pytest_lsp
    from lsprotocol import types
    from pygls.protocol import default_converter

    load0 = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp) / "m"
        d.mkdir()
        for name in ("go.mod", "go.sum"):
            shutil.copy(corpus / name, d / name)
        gosum = (d / "go.sum").read_text()
        n_lines = gosum.count("\n")
        first = gosum.split("\n")[0].split()
        conflict = f"{first[0]} {first[1]} {first[2][:-2]}A=\n"

        env = dict(os.environ, GOZT_LINT_LSP_TIMING="1", GOTOOLCHAIN="local", GOPROXY="off")
        client = pytest_lsp.LanguageClient(converter_factory=default_converter)
        sum_uri = (d / "go.sum").as_uri()
        published: dict[int, float] = {}
        server_ms: list[float] = []
        cpu_ms: list[float] = []
        runs_done: list[str] = []

        @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_publish(ls: pytest_lsp.LanguageClient, params: types.PublishDiagnosticsParams) -> None:
            ls.diagnostics[params.uri] = params.diagnostics
            if params.uri == sum_uri and params.version is not None:
                published.setdefault(params.version, time.perf_counter())

        @client.feature(types.WINDOW_LOG_MESSAGE)
        def on_log(ls: pytest_lsp.LanguageClient, params: types.LogMessageParams) -> None:
            if m := re.match(r"timing: change to publish ([0-9.]+) ms \(cpu ([0-9.]+) ms", params.message):
                server_ms.append(float(m.group(1)))
                cpu_ms.append(float(m.group(2)))

        @client.feature(types.WINDOW_SHOW_MESSAGE)
        def on_show(ls: pytest_lsp.LanguageClient, params: types.ShowMessageParams) -> None:
            print(f"server says: {params.message}", file=sys.stderr)

        @client.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)
        def on_create(ls: pytest_lsp.LanguageClient, params: types.WorkDoneProgressCreateParams) -> None:
            return None

        @client.feature(types.PROGRESS)
        def on_progress(ls: pytest_lsp.LanguageClient, params: types.ProgressParams) -> None:
            value = params.value if isinstance(params.value, dict) else {}
            if value.get("kind") == "end":
                runs_done.append(str(value.get("message")))

        @client.feature(types.WORKSPACE_CONFIGURATION)
        def on_configuration(ls: pytest_lsp.LanguageClient, params: types.ConfigurationParams) -> list[None]:
            return [None for _ in params.items]

        await client.start_io(sys.executable, "-m", "gozt_lint", "lsp", env=env)
        init = {"goztLint": {"families": families}} if families else None
        await client.initialize_session(
            types.InitializeParams(
                capabilities=pytest_lsp.client_capabilities("visual-studio-code"),
                root_uri=d.as_uri(),
                initialization_options=init,
            )
        )
        uris = {}
        for name in ("go.mod", "go.sum"):
            uris[name] = (d / name).as_uri()
            client.text_document_did_open(
                types.DidOpenTextDocumentParams(
                    text_document=types.TextDocumentItem(uri=uris[name], language_id=name, version=1, text=(d / name).read_text())
                )
            )
        # Let the open-time background run finish so it doesn't skew the first edits.
        deadline = time.perf_counter() + 120
        while time.perf_counter() < deadline:
            if "done" in runs_done or (families and all(f in ("gomod", "gosum") for f in families)):
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)

        client_ms: list[float] = []
        diag_counts: list[int] = []
        mid = n_lines // 2
        mid_line = gosum.split("\n")[mid]
        hash_col = len(mid_line) - 2  # a character inside the hash
        for i in range(edits):
            version = i + 2
            n = n_lines if where == "end" else mid
            if where == "inline":
                # Retype one character of a hash (no line-count change), then restore it.
                ch = "A" if i % 2 == 0 else mid_line[hash_col]
                change = types.TextDocumentContentChangePartial(
                    range=types.Range(start=types.Position(line=mid, character=hash_col), end=types.Position(line=mid, character=hash_col + 1)),
                    text=ch,
                )
            elif i % 2 == 0:
                change = types.TextDocumentContentChangePartial(
                    range=types.Range(start=types.Position(line=n, character=0), end=types.Position(line=n, character=0)),
                    text=conflict,
                )
            else:
                change = types.TextDocumentContentChangePartial(
                    range=types.Range(start=types.Position(line=n, character=0), end=types.Position(line=n + 1, character=0)),
                    text="",
                )
            t0 = time.perf_counter()
            client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=sum_uri, version=version), content_changes=[change]
                )
            )
            while version not in published:
                if time.perf_counter() - t0 > 30:
                    print(f"no publish for version {version}", file=sys.stderr)
                    return 1
                await asyncio.sleep(0.0005)
            client_ms.append((published[version] - t0) * 1000)
            diag_counts.append(len(client.diagnostics.get(sum_uri, [])))
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)
        await client.shutdown_session()
        await client.stop()

    print(f"corpus: {corpus} (go.sum {n_lines} lines); edits: {edits} ({where}); families: {families or 'default (all editor families)'}")
    print(f"load average before/after: {load0[0]:.2f} / {os.getloadavg()[0]:.2f} (2-core machine shared with other work)")
    print(f"diagnostics per publish: {min(diag_counts)}..{max(diag_counts)}")
    for label, values in (("server", server_ms), ("server cpu", cpu_ms), ("client", client_ms)):
        if not values:
            print(f"{label}: no samples")
            continue
        print(
            f"{label}: median {statistics.median(values):.1f} ms, p90 {pct(values, 90):.1f} ms, "
            f"max {max(values):.1f} ms (n={len(values)})"
        )
    ok = bool(server_ms) and statistics.median(server_ms) <= 50
    print("target (median server time <= 50 ms):", "met" if ok else "NOT met")
    return 0 if ok else 1


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--edits", type=int, default=60)
    ap.add_argument("--families", help="comma-separated editor families (default: the server's default set)")
    ap.add_argument(
        "--where",
        choices=["end", "middle", "inline"],
        default="end",
        help="append/delete a line at the end, insert/delete one in the middle, or retype a hash character",
    )
    args = ap.parse_args()
    fams = [f for f in args.families.split(",") if f] if args.families else None
    return asyncio.run(bench(args.corpus, args.edits, fams, args.where))


if __name__ == "__main__":
    raise SystemExit(main())

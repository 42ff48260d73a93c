-- gozt-lint language server for Neovim 0.11+ (vim.lsp.config / vim.lsp.enable).
--
-- Put the folder that holds this lsp/ directory on 'runtimepath' (a checkout of
-- gozt-lint, or the installed package: `python -c "import gozt_lint, os;
-- print(os.path.dirname(gozt_lint.__file__))"`), then:
--
--   vim.lsp.enable('gozt_lint')
--
-- Override anything with vim.lsp.config('gozt_lint', { settings = { goztLint = { ... } } }).

---@type vim.lsp.Config
return {
  cmd = { 'gozt-lint', 'lsp' },
  filetypes = { 'gomod', 'gosum', 'gowork' },
  root_markers = { 'go.work', 'go.mod', '.git' },
  settings = {
    goztLint = {
      -- Rule families checked in the editor. gomod and gosum run on every change;
      -- the others (environment, caches, checksum database, history, toolchain)
      -- run in a background worker after a pause, on save and on disk changes.
      families = { 'gomod', 'gosum', 'env', 'history', 'modcache', 'sumdb', 'toolchain' },
      -- Checksum-database lookups over the network.
      online = false,
      -- The go binary to examine and run (default: `go` on PATH).
      -- go = '/usr/local/go/bin/go',
      -- Per-rule severity: 'error', 'warning', 'info' or 'off'.
      severity = {},
    },
  },
  -- "Ignore ... in .gozt-lint.toml" code actions ask for the reason first.
  commands = {
    ['gozt-lint.addIgnore'] = function(command, ctx)
      local client = assert(vim.lsp.get_client_by_id(ctx.client_id))
      local spec = vim.deepcopy((command.arguments or {})[1] or {})
      vim.ui.input({ prompt = 'Reason for ignoring ' .. tostring(spec.rule) .. ': ' }, function(reason)
        if reason == nil then
          return
        end
        spec.reason = reason
        client:request('workspace/executeCommand', {
          command = command.command,
          arguments = { spec },
        }, nil, ctx.bufnr)
      end)
    end,
  },
}

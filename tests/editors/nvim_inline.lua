-- Runs the README's "Neovim 0.12+" snippet (vim.lsp.config / vim.lsp.enable / inline completion) in
-- Neovim >= 0.11 and asks the server for textDocument/inlineCompletion through that client.
-- 0.11 has vim.lsp.config and vim.lsp.enable but not vim.lsp.inline_completion (0.12): where it is
-- missing a stub records the calls, so the rest of the snippet runs as written. Parameters come
-- from the environment; the outcome goes to $AIX_RESULT.

local env = vim.env
local out = { statuses = {}, steps = {} }

local function finish()
  local f = assert(io.open(env.AIX_RESULT, "w"))
  f:write(vim.json.encode(out))
  f:close()
  vim.cmd("qa!")
end

local function main()
  vim.cmd("filetype on")
  if not vim.lsp.inline_completion then
    out.inline_stub = true
    vim.lsp.inline_completion = {
      enable = function(...)
        out.inline_enable_called = true
      end,
      get = function()
        return false
      end,
      select = function() end,
    }
  end
  vim.lsp.handlers["aix/status"] = function(_, result)
    table.insert(out.statuses, result)
  end

  dofile(env.AIX_SNIPPET)
  local readme = vim.lsp.config["aix_lsp"]
  out.readme_config = { cmd = readme.cmd, filetypes = readme.filetypes, root_markers = readme.root_markers, init_options = readme.init_options }
  out.keymap_tab = vim.fn.maparg("<Tab>", "i", false, true).expr == 1
  -- Same config, run with the server under test.
  vim.lsp.config("aix_lsp", {
    cmd = vim.json.decode(env.AIX_SERVER_CMD),
    init_options = { model = env.AIX_MODEL },
    on_exit = function(code, signal)
      out.exit = { code = code, signal = signal }
    end,
  })

  vim.cmd("edit " .. vim.fn.fnameescape(env.AIX_FILE))
  local client
  assert(vim.wait(120000, function()
    client = vim.lsp.get_clients({ name = "aix_lsp", bufnr = 0 })[1]
    return client ~= nil and client.initialized
  end, 50), "vim.lsp.enable did not start and attach aix_lsp")
  out.root_dir = client.root_dir
  out.init_options = client.config.init_options
  out.inline_capability = client.server_capabilities.inlineCompletionProvider ~= nil
  vim.wait(180000, function()
    local last = out.statuses[#out.statuses]
    return last ~= nil and (last.state == "ready" or last.state == "error")
  end, 50)

  local line, col = tonumber(env.AIX_LINE), tonumber(env.AIX_COL)
  vim.o.virtualedit = "onemore"
  vim.api.nvim_win_set_cursor(0, { line + 1, col })
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
  params.context = { triggerKind = 1 } -- Invoked
  out.position = params.position
  local response, err = client:request_sync("textDocument/inlineCompletion", params, 120000, 0)
  out.request_error = err
  out.response_error = response and response.err
  local result = response and response.result
  out.items = result and (result.items or result) or {}

  client:stop()
  vim.wait(60000, function()
    return out.exit ~= nil
  end, 50)
end

local ok, err = xpcall(main, debug.traceback)
out.ok = ok
out.error = not ok and tostring(err) or nil
finish()

-- Neovim >= 0.11 as the client whose accepts aix-lsp records (issue 25): an inline suggestion is asked
-- for, then accepted the way Neovim 0.12's vim.lsp.inline_completion does it (the item's text put into
-- the buffer at its range, then its command run through workspace/executeCommand), and once more as a
-- client without commands would (the text only). Parameters come from the environment; the outcome goes
-- to $AIX_RESULT.

local env = vim.env
local out = { rounds = {} }

local function finish()
  local f = assert(io.open(env.AIX_RESULT, "w"))
  f:write(vim.json.encode(out))
  f:close()
  vim.cmd("qa!")
end

local function main()
  vim.cmd("filetype on")
  vim.lsp.config("aix_stats", {
    cmd = vim.json.decode(env.AIX_SERVER_CMD),
    filetypes = { "python" },
    root_markers = { ".git" },
    init_options = { model = env.AIX_MODEL, stats_dir = env.AIX_STATS_DIR, max_new_tokens = 8 },
    on_exit = function(code, signal)
      out.exit = { code = code, signal = signal }
    end,
  })
  vim.lsp.enable("aix_stats")
  vim.cmd("edit " .. vim.fn.fnameescape(env.AIX_FILE))
  local client
  assert(vim.wait(120000, function()
    client = vim.lsp.get_clients({ name = "aix_stats", bufnr = 0 })[1]
    return client ~= nil and client.initialized
  end, 50), "aix-lsp did not start")
  local buf = vim.api.nvim_get_current_buf() -- a real number: Neovim flushes a buffer's pending didChange before a request for it
  local function status()
    local response = client:request_sync("workspace/executeCommand", { command = "aix.status", arguments = {} }, 60000, buf)
    return response and response.result
  end
  assert(vim.wait(180000, function()
    local s = status()
    return s ~= nil and s.state == "ready"
  end, 200), "the model did not load")

  local line, col = tonumber(env.AIX_LINE), tonumber(env.AIX_COL)
  for _, mode in ipairs({ "command", "text only" }) do
    vim.o.virtualedit = "onemore"
    vim.api.nvim_win_set_cursor(0, { line + 1, col })
    local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
    params.context = { triggerKind = 1 }
    local response = client:request_sync("textDocument/inlineCompletion", params, 120000, buf)
    local items = response and response.result and (response.result.items or response.result) or {}
    local item = assert(items[1], "no suggestion")
    local r = item.range
    local lines = vim.split(item.insertText, "\n", { plain = true })
    vim.api.nvim_buf_set_text(buf, r.start.line, r.start.character, r["end"].line, r["end"].character, lines)
    local round = { mode = mode, text = item.insertText, command = item.command }
    if mode == "command" then
      local done = client:request_sync("workspace/executeCommand", item.command, 60000, buf)
      round.command_result = done and done.result
    end
    round.status = status() -- a request: Neovim sends the pending didChange first
    table.insert(out.rounds, round)
    -- the accepted text goes again (a later edit), so the next round asks at the same place
    local last = r.start.character + #lines[#lines]
    vim.api.nvim_buf_set_text(buf, r.start.line, r.start.character, r.start.line + #lines - 1, #lines == 1 and last or #lines[#lines], { "" })
  end
  client:stop()
  vim.wait(60000, function()
    return out.exit ~= nil
  end, 50)
end

local ok, err = xpcall(main, debug.traceback)
out.ok = ok
out.error = not ok and tostring(err) or nil
finish()

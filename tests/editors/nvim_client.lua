-- Drives a real Neovim LSP client against aix-lsp, following docs/editors/neovim.md's 0.8+ (or 0.7) set-up.
-- Run by test_neovim.py as `nvim --headless --clean -c "luafile nvim_client.lua"`; parameters come
-- from the environment, the outcome goes to the JSON file $AIX_RESULT, then Neovim quits.
--
-- Debian ships Neovim 0.7.2, which lacks vim.lsp.start and vim.fs (both 0.8). Where they are missing
-- they are filled in below with the 0.7 primitives they wrap (vim.lsp.start_client and
-- vim.lsp.buf_attach_client), so the README snippet itself runs unchanged.

local env = vim.env
local out = { statuses = {}, notifications = {}, steps = {} }
local server_cmd = vim.json.decode(env.AIX_SERVER_CMD)

local function step(name)
  table.insert(out.steps, name)
end

local function finish()
  local f = assert(io.open(env.AIX_RESULT, "w"))
  f:write(vim.json.encode(out))
  f:close()
  vim.cmd("qa!")
end

-- vim.fs.find/dirname (0.8) for 0.7: enough for the README snippet's upward search.
if not vim.fs then
  vim.fs = {
    dirname = function(path)
      return path and vim.fn.fnamemodify(path, ":h") or nil
    end,
    find = function(names, opts)
      local dir = opts.path
      while dir do
        for _, name in ipairs(names) do
          local candidate = dir .. "/" .. name
          if vim.loop.fs_stat(candidate) then
            return { candidate }
          end
        end
        local parent = vim.fn.fnamemodify(dir, ":h")
        if parent == dir then
          break
        end
        dir = parent
      end
      return {}
    end,
  }
end

-- Wrap (or, on 0.7, provide) vim.lsp.start: record the README's config, then run the server under
-- test (this Python, the tiny model) instead of the `aix-lsp` on PATH.
local real_start = vim.lsp.start
vim.lsp.start = function(config)
  out.readme_config = { name = config.name, cmd = config.cmd, root_dir = config.root_dir, init_options = config.init_options }
  config.cmd = server_cmd
  config.init_options = vim.tbl_extend("force", config.init_options or {}, { model = env.AIX_MODEL })
  config.on_exit = function(code, signal)
    out.exit = { code = code, signal = signal }
  end
  if real_start then
    out.client_id = real_start(config)
    return out.client_id
  end
  for _, client in pairs(vim.lsp.get_active_clients()) do
    if client.name == config.name then
      vim.lsp.buf_attach_client(0, client.id)
      return client.id
    end
  end
  out.client_id = vim.lsp.start_client(config)
  vim.lsp.buf_attach_client(0, out.client_id)
  return out.client_id
end

-- The 0.7 snippet calls vim.lsp.start_client itself: record its config and run the server under test the
-- same way (a config the vim.lsp.start wrapper above already took passes through unchanged).
local real_start_client = vim.lsp.start_client
vim.lsp.start_client = function(config)
  if not out.readme_config then
    out.readme_config = { name = config.name, cmd = config.cmd, root_dir = config.root_dir, init_options = config.init_options }
    config.cmd = server_cmd
    config.init_options = vim.tbl_extend("force", config.init_options or {}, { model = env.AIX_MODEL })
    config.on_exit = function(code, signal)
      out.exit = { code = code, signal = signal }
    end
  end
  out.client_id = real_start_client(config)
  return out.client_id
end

vim.notify = function(msg, level)
  table.insert(out.notifications, { msg = msg, level = level })
end

local function main()
  vim.cmd("filetype on")
  dofile(env.AIX_SNIPPET)
  dofile(env.AIX_STATUS_SNIPPET)
  step("snippets loaded")

  -- Record every aix/status notification, then let the README's handler see it too.
  local readme_handler = vim.lsp.handlers["aix/status"]
  assert(readme_handler, "the README snippet installs an aix/status handler")
  vim.lsp.handlers["aix/status"] = function(err, result, ctx, config)
    table.insert(out.statuses, result)
    return readme_handler(err, result, ctx, config)
  end

  vim.cmd("edit " .. vim.fn.fnameescape(env.AIX_FILE))
  assert(out.client_id, "opening a Python file started the server through the README's FileType autocmd")
  step("client started")
  local client
  assert(vim.wait(120000, function()
    client = vim.lsp.get_client_by_id(out.client_id)
    return (client and client.initialized) or out.exit ~= nil
  end, 50), "initialize timed out")
  assert(client and client.initialized, "the server exited during initialize: " .. vim.inspect(out.exit))
  out.pid = client.rpc.pid -- 0.7; newer versions do not expose it (then nil)
  out.attached = vim.lsp.buf_is_attached(0, out.client_id)
  local caps = client.server_capabilities or {}
  out.server_capabilities = {
    completion = caps.completionProvider ~= nil,
    inline_completion = caps.inlineCompletionProvider ~= nil,
    execute_command = caps.executeCommandProvider,
  }
  step("initialized")

  -- Wait until the model has loaded (or failed to).
  vim.wait(180000, function()
    local last = out.statuses[#out.statuses]
    return last ~= nil and (last.state == "ready" or last.state == "error")
  end, 50)
  step("status: " .. vim.inspect(out.statuses[#out.statuses] and out.statuses[#out.statuses].state))

  local line, col = tonumber(env.AIX_LINE), tonumber(env.AIX_COL)
  -- The cursor sits after the line's last character, as in insert mode.
  vim.o.virtualedit = "onemore"
  vim.api.nvim_win_set_cursor(0, { line + 1, col })
  out.line_text = vim.api.nvim_buf_get_lines(0, line, line + 1, true)[1]
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
  out.position = params.position
  for attempt = 1, 3 do
    local responses, err = vim.lsp.buf_request_sync(0, "textDocument/completion", params, 120000)
    out.request_error = err
    local response = responses and responses[out.client_id]
    if response then
      out.response_error = response.err
      local result = response.result
      out.items = result and (result.items or result) or {}
      if #out.items > 0 then
        break
      end
    end
    out.attempts = attempt
  end
  step("completion done")

  -- The README's :AixToggle runs aix.toggle through workspace/executeCommand.
  local function ours()
    local n = 0
    for _, m in ipairs(out.notifications) do
      if tostring(m.msg):find("^aix%-lsp") then
        n = n + 1
      end
    end
    return n
  end
  vim.cmd("AixToggle")
  vim.wait(120000, function()  -- a bound that only catches hangs
    return ours() >= 1
  end, 50)
  vim.cmd("AixToggle")
  vim.wait(120000, function()  -- a bound that only catches hangs
    return ours() >= 2
  end, 50)
  step("toggled")

  -- Shut the server down as Neovim does (shutdown request, exit notification) and wait for it.
  vim.lsp.stop_client(out.client_id)
  vim.wait(60000, function()
    return out.exit ~= nil
  end, 50)
  step("stopped")
end

local ok, err = xpcall(main, debug.traceback)
out.ok = ok
out.error = not ok and tostring(err) or nil
finish()

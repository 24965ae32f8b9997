-- Drives Neovim 0.11+ with docs/editors/neovim.md's next-edit snippet against aix-lsp (a Zeta-family chain
-- model): edit a line, ask for the next edit as the snippet does, apply it with the snippet's function.
-- Run by test_next_edit_neovim.py; parameters from the environment, the outcome as JSON in $AIX_RESULT.
local env = vim.env
local out = { steps = {} }

local function finish()
  local f = assert(io.open(env.AIX_RESULT, "w"))
  f:write(vim.json.encode(out))
  f:close()
  vim.cmd("qa!")
end

local function main()
  dofile(env.AIX_SNIPPET)
  vim.cmd("edit " .. vim.fn.fnameescape(env.AIX_FILE))
  local buf = vim.api.nvim_get_current_buf()
  local id = vim.lsp.start({
    name = "aix-lsp",
    cmd = vim.json.decode(env.AIX_SERVER_CMD),
    root_dir = vim.fn.fnamemodify(env.AIX_FILE, ":h"),
    init_options = vim.json.decode(env.AIX_OPTIONS),
  })
  local client
  assert(vim.wait(120000, function()
    client = vim.lsp.get_client_by_id(id)
    return client and client.initialized
  end, 50), "initialize timed out")
  local state
  assert(vim.wait(240000, function()
    client:request("workspace/executeCommand", { command = "aix.status", arguments = {} }, function(_, result)
      state = result and result.state
    end, buf)
    vim.wait(200)
    return state == "ready"
  end, 100), "the model never got ready: " .. tostring(state))
  table.insert(out.steps, "ready")

  vim.api.nvim_buf_set_lines(buf, 0, 1, false, { "    y = 1" }) -- the user's edit: 0 -> 1
  vim.api.nvim_win_set_cursor(0, { 1, 9 })
  local answered = false
  _G.aix_next_edit_request(function(edit)
    out.edit = edit
    answered = true
  end)
  assert(vim.wait(120000, function() return answered end, 50), "no answer to copilotInlineEdit")
  out.extmarks = #vim.api.nvim_buf_get_extmarks(buf, -1, 0, -1, {})
  out.applied = _G.aix_next_edit_apply()
  out.lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
end

local ok, err = pcall(main)
if not ok then
  out.error = tostring(err)
end
finish()

-- Neovim (0.11+: offers utf-8 positions first) edits non-ASCII text and asks aix-lsp what it holds.
-- Run by test_neovim.py as `nvim --headless --clean -c "luafile nvim_positions.lua"`; parameters come
-- from the environment, the outcome goes to the JSON file $AIX_RESULT, then Neovim quits.
-- The server's text is read back through aix.explain's hash and compared with the buffer's, and a
-- completion right of the edits shows the server's word before the cursor and its range in utf-8.

local env = vim.env
local out = { statuses = {}, steps = {} }

local function finish()
  local f = assert(io.open(env.AIX_RESULT, "w"))
  f:write(vim.json.encode(out))
  f:close()
  vim.cmd("qa!")
end

local function buffer_text()
  local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, true), "\n")
  if vim.bo.eol and vim.bo.fixeol then
    text = text .. "\n"
  end
  return text
end

local function main()
  vim.lsp.handlers["aix/status"] = function(_, result)
    table.insert(out.statuses, result)
  end
  vim.cmd("edit " .. vim.fn.fnameescape(env.AIX_FILE))
  local client_id = vim.lsp.start({
    name = "aix-lsp",
    cmd = vim.json.decode(env.AIX_SERVER_CMD),
    root_dir = vim.fn.getcwd(),
    init_options = { model = env.AIX_MODEL, max_new_tokens = 8, typing_through = false },
    flags = { debounce_text_changes = 0 }, -- each edit is sent as it is made, before the next request
    on_exit = function(code, signal)
      out.exit = { code = code, signal = signal }
    end,
  })
  local client
  assert(vim.wait(120000, function()
    client = vim.lsp.get_client_by_id(client_id)
    return (client and client.initialized) or out.exit ~= nil
  end, 50), "initialize timed out")
  out.offset_encoding = client.offset_encoding
  vim.wait(180000, function()
    local last = out.statuses[#out.statuses]
    return last ~= nil and (last.state == "ready" or last.state == "error")
  end, 50)
  table.insert(out.steps, "ready")

  -- Edits right of non-ASCII characters, as typing would send them: byte columns here, utf-8 on the wire.
  local line0 = vim.api.nvim_buf_get_lines(0, 0, 1, true)[1]
  local after_zhong = select(2, line0:find("中", 1, true))
  vim.api.nvim_buf_set_text(0, 0, after_zhong, 0, after_zhong, { "X" })
  local line1 = vim.api.nvim_buf_get_lines(0, 1, 2, true)[1]
  local after_emoji = select(2, line1:find("😀", 1, true))
  vim.api.nvim_buf_set_text(0, 1, after_emoji, 1, after_emoji, { "é", "k = 1  # " })
  vim.api.nvim_buf_set_text(0, 0, #line0 + 1, 0, #line0 + 1, { "_id" }) -- after "name": the word is now name_id
  table.insert(out.steps, "edited")

  local uri = vim.uri_from_bufnr(0)
  local explained = client:request_sync("workspace/executeCommand",
    { command = "aix.explain", arguments = { { uri = uri, position = { line = 0, character = 0 } } } }, 120000, 0)
  out.explain_error = explained and explained.err
  local result = explained and explained.result or {}
  out.server = {
    sha256 = result.document_text_sha256,
    length = result.document_length,
    position_encoding = result.position_encoding,
  }
  local text = buffer_text()
  out.buffer = { sha256 = vim.fn.sha256(text), length = vim.fn.strchars(text), text = text }

  -- A completion at the end of the first line: the item's edit starts at the word before the cursor.
  local row0 = vim.api.nvim_buf_get_lines(0, 0, 1, true)[1]
  vim.o.virtualedit = "onemore"
  vim.api.nvim_win_set_cursor(0, { 1, #row0 })
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
  out.position = params.position
  out.line_text = row0
  for _ = 1, 5 do -- a random tiny model answers nothing now and then
    local responses = vim.lsp.buf_request_sync(0, "textDocument/completion", params, 120000)
    local response = responses and responses[client_id]
    local items = response and response.result and (response.result.items or response.result) or {}
    if #items > 0 then
      out.item = items[1]
      break
    end
  end
  table.insert(out.steps, "completed")

  client:stop()
  vim.wait(60000, function()
    return out.exit ~= nil
  end, 50)
end

local ok, err = xpcall(main, debug.traceback)
out.ok = ok
out.error = not ok and tostring(err) or nil
finish()

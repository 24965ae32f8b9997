"""The command line's answers to bad input: one clear line, no traceback, before any slow work starts
(issue 27's first ten minutes of a new user)."""

from __future__ import annotations

import os
import pty
import select
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from aix_lsp.cli import main
from aix_lsp.eval.metrics import summaries
from aix_lsp.eval.report import compare, format_compare, format_summary
from aix_lsp.locations import find_project_root, never_a_project
from aix_lsp.tiny_model import target_problem
from tests.eval.test_metrics import _record, _result

REPO = Path(__file__).resolve().parents[1]
MISSING_MODEL = "/nonexistent/model-folder"


def _one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}


def _read_until(fd: int, needle: bytes, proc: subprocess.Popen, limit_s: float = 120.0) -> bytes:
    """Bytes from ``fd`` until ``needle`` shows up (or the process ends, or ``limit_s`` passes: a failure)."""
    seen = b""
    while needle not in seen:
        ready, _, _ = select.select([fd], [], [], limit_s)
        if not ready:
            break
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    return seen


# --- serve ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value,expected", [("nonsense", "expected HOST:PORT"), (":99999", "outside 1 to 65535"),
                                            ("localhost:http", "is not a number"), ("no-such-host.invalid:2087", "cannot resolve host")])
def test_serve_tcp_refuses_a_bad_address_in_one_line(value, expected, capsys):
    assert main(["serve", "--tcp", value]) == 2
    line = _one_line(capsys.readouterr().err)
    assert expected in line and "--tcp" in line


def test_serve_tcp_refuses_a_port_in_use(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--tcp", f"127.0.0.1:{port}"]) == 1
    line = _one_line(capsys.readouterr().err)
    assert f"cannot listen on 127.0.0.1:{port}" in line


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_tcp_says_where_it_listens_and_stops_on_ctrl_c():
    port = _free_port()
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen([sys.executable, "-m", "aix_lsp", "serve", "--tcp", f"127.0.0.1:{port}", "--model", MISSING_MODEL],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=write_fd, env=_env())
    os.close(write_fd)
    try:
        seen = _read_until(read_fd, b"listening on", proc)
        assert f"aix-lsp: listening on 127.0.0.1:{port}".encode() in seen, seen
        # bound when the line is printed; the connection stays open (pygls ends the server when it closes)
        with socket.create_connection(("127.0.0.1", port), timeout=30):
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=60) == 130
        rest = seen + _read_until(read_fd, b"\0", proc)
        assert b"Traceback" not in rest and b"Fatal Python error" not in rest, rest
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(read_fd)


def test_serve_typed_in_a_terminal_says_what_it_is_and_quits_on_the_first_ctrl_c():
    controller, terminal = pty.openpty()  # stdin is a terminal, as when a person types `aix-lsp serve`
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen([sys.executable, "-m", "aix_lsp", "serve", "--model", MISSING_MODEL],
                            stdin=terminal, stdout=subprocess.DEVNULL, stderr=write_fd, env=_env())
    os.close(terminal)
    os.close(write_fd)
    try:
        seen = _read_until(read_fd, b"Ctrl-C quits", proc)
        assert b"language server" in seen and b"aix-lsp serve" in seen and b"editor" in seen, seen
        proc.send_signal(signal.SIGINT)  # once
        assert proc.wait(timeout=60) == 130
        rest = seen + _read_until(read_fd, b"\0", proc)
        assert b"Traceback" not in rest and b"Fatal Python error" not in rest, rest
        assert b"stopped (Ctrl-C)" in rest
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(read_fd)
        os.close(controller)


# --- settings ------------------------------------------------------------------------------------------


def test_a_misspelt_language_is_refused_naming_the_close_one(tmp_path, capsys):
    source = tmp_path / "a.py"
    source.write_text("x = 1\n")
    assert main(["complete", f"{source}:1:1", "--enabled-languages", "pyhton", "--model", MISSING_MODEL]) == 2
    line = _one_line(capsys.readouterr().err)
    assert "--enabled-languages" in line and "'pyhton'" in line and "did you mean python?" in line


def test_the_server_rejects_a_misspelt_language_too():
    from aix_lsp.config import Settings, apply_settings

    settings, errors = apply_settings(Settings(), {"enabledLanguages": ["python", "javscript"], "disabledLanguages": "c++"})
    assert settings.enabled_languages == () and settings.disabled_languages == ("c++",)
    assert len(errors) == 1 and "javscript" in errors[0] and "javascript" in errors[0]


def test_a_bad_device_is_refused_before_the_model_loads(tmp_path, capsys):
    source = tmp_path / "a.py"
    source.write_text("x = 1\n")
    # the model folder is missing too: the device's message comes first, so nothing was loaded
    assert main(["complete", f"{source}:1:1", "--device", "gpu", "--model", MISSING_MODEL]) == 2
    line = _one_line(capsys.readouterr().err)
    assert "--device" in line and "'gpu'" in line and "did you mean cuda?" in line


def test_an_absent_cuda_device_is_refused_before_the_model_loads(tmp_path, capsys):
    import torch

    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    source = tmp_path / "a.py"
    source.write_text("x = 1\n")
    assert main(["complete", f"{source}:1:1", "--device", "cuda:1", "--model", MISSING_MODEL]) == 2
    assert "CUDA is not available" in _one_line(capsys.readouterr().err)


def test_a_bad_flag_does_not_say_ignored_while_the_command_stops(tmp_path, capsys):
    source = tmp_path / "a.py"
    source.write_text("x = 1\n")
    assert main(["complete", f"{source}:1:1", "--dtype", "bf16", "--model", MISSING_MODEL]) == 2
    line = _one_line(capsys.readouterr().err)
    assert "--dtype" in line and "'bf16'" in line and "ignored" not in line


# --- cursors -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("col,expected", [(99, "column 99 is past the end of line 2"), (0, "columns count from 1"),
                                          (-3, "columns count from 1")])
def test_a_column_outside_the_line_is_not_moved_silently(tmp_path, col, expected, capsys):
    source = tmp_path / "a.py"
    source.write_text("import os\nx = 1\n")
    assert main(["complete", f"{source}:2:{col}", "--model", MISSING_MODEL]) == 1
    assert expected in _one_line(capsys.readouterr().err)
    assert main(["search", f"{source}:2:{col}", "--model", MISSING_MODEL]) == 1
    assert expected in _one_line(capsys.readouterr().err)


def test_the_column_after_the_lines_end_is_a_cursor(tmp_path):
    from aix_lsp.locations import cursor_offset

    assert cursor_offset("ab\ncd", 2, 3) == 5 and cursor_offset("ab\ncd", 1, 1) == 0
    with pytest.raises(ValueError, match="line 3 is outside it"):
        cursor_offset("ab\ncd", 3, 1)


# --- project detection ---------------------------------------------------------------------------------


def test_detection_never_climbs_to_the_temp_folder(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()  # a project above the temp folder: the climb must stop below it
    temp = tmp_path / "tmp"
    (temp / "someone-else").mkdir(parents=True)
    (temp / "someone-else" / "pyproject.toml").write_text("")
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    loose = temp / "x.py"
    loose.write_text("x = 1\n")
    assert find_project_root(loose) == temp.resolve()
    assert "temp folder" in never_a_project(temp)
    nested = temp / "scratch" / "y.py"
    nested.parent.mkdir()
    nested.write_text("y = 2\n")
    assert find_project_root(nested) == nested.parent.resolve() and never_a_project(nested.parent) is None


def test_detection_never_climbs_to_the_home_folder(tmp_path, monkeypatch):
    home = tmp_path / "home" / "me"
    (home / ".git").mkdir(parents=True)  # dotfiles kept in git
    monkeypatch.setenv("HOME", str(home))
    loose = home / "Downloads" / "x.py"
    loose.parent.mkdir()
    loose.write_text("x = 1\n")
    assert find_project_root(loose) == loose.parent.resolve()
    assert "unrelated files" in never_a_project(loose.parent)
    assert "home folder" in never_a_project(home)


def test_search_on_a_loose_file_in_the_temp_folder_indexes_nothing(capsys):
    fd, name = tempfile.mkstemp(suffix=".py", dir=tempfile.gettempdir())
    os.close(fd)
    Path(name).write_text("x = 1\n")
    try:
        assert main(["search", f"{name}:1:1"]) == 2
    finally:
        os.unlink(name)
    line = _one_line(capsys.readouterr().err)
    assert "no project folder to search" in line and "temp folder" in line


def test_complete_on_a_loose_file_in_the_temp_folder_indexes_nothing(tiny_model_dir, tmp_path, monkeypatch, capsys):
    temp = tmp_path / "tmp"
    temp.mkdir()
    for i in range(3):
        (temp / f"other{i}.py").write_text(f"def other_{i}():\n    return {i}\n")
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    loose = temp / "x.py"
    loose.write_text("def f():\n    return \n")
    cache = tmp_path / "cache"
    assert main(["complete", f"{loose}:2:12", "--model", str(tiny_model_dir), "--max-new-tokens", "4",
                 "--index-cache-dir", str(cache), "--print-prompt"]) == 0
    out, err = capsys.readouterr()
    assert "no cross-file context" in err and "temp folder" in err
    assert "other_0" not in out
    assert not cache.exists() or not any(cache.iterdir())


def test_index_refuses_the_root_and_the_home_folder_as_the_server_does(tmp_path, monkeypatch, capsys):
    assert main(["index", "/", "--index-cache-dir", str(tmp_path / "cache")]) == 2
    assert "root of the file system" in _one_line(capsys.readouterr().err)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    assert main(["index", str(home), "--index-cache-dir", str(tmp_path / "cache")]) == 2
    assert "home folder" in _one_line(capsys.readouterr().err)
    assert main(["search", "/", "anything", "--raw"]) == 2
    assert "root of the file system" in _one_line(capsys.readouterr().err)


# --- complete without a model ----------------------------------------------------------------------------


def test_no_model_names_the_tiny_model_route_and_explain_still_explains(tmp_path, capsys):
    source = tmp_path / "a.py"
    source.write_text("def f(x):\n    if x:\n        \n    return x\n")
    assert main(["complete", f"{source}:3:9", "--explain", "--model", MISSING_MODEL]) == 1
    out, err = capsys.readouterr()
    assert f"position: {source}:3:9" in out and "scenario: if_block" in out
    assert "Traceback" not in err
    assert "aix-lsp tiny-model DIR" in err and "--model DIR" in err


# --- tiny-model ----------------------------------------------------------------------------------------


def test_tiny_model_refuses_a_file_an_unwritable_path_and_a_model_folder(tmp_path, capsys):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    assert main(["tiny-model", str(a_file)]) == 2
    assert "is a file" in _one_line(capsys.readouterr().err)
    assert main(["tiny-model", str(a_file / "under")]) == 2
    assert "is a file" in _one_line(capsys.readouterr().err)
    assert main(["tiny-model", "/proc/aix-lsp-tiny"]) == 2
    assert "cannot write to /proc/aix-lsp-tiny" in _one_line(capsys.readouterr().err)
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text("{}")
    assert main(["tiny-model", str(model)]) == 2
    line = _one_line(capsys.readouterr().err)
    assert "already holds a model" in line and "--force" in line
    assert target_problem(model, force=True) is None
    fresh = tmp_path / "new" / "deeper"
    assert target_problem(fresh) is None and fresh.is_dir()


def test_an_unwritable_folder_is_left_as_it_was(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    if os.geteuid() == 0:
        assert target_problem("/proc/aix-lsp-tiny/deeper") is not None
        assert not Path("/proc/aix-lsp-tiny").exists()
        return
    locked.chmod(0o500)
    try:
        assert "cannot write" in target_problem(locked / "a" / "b")
        assert not (locked / "a").exists()
    finally:
        locked.chmod(0o700)


# --- eval and finetune ---------------------------------------------------------------------------------


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "m.py").write_text("def f(x):\n    y = x + 1\n    return y\n")
    return repo


def test_eval_limit_zero_is_named(tmp_path, capsys):
    assert main(["eval", str(_repo(tmp_path)), "--limit", "0", "--model", MISSING_MODEL]) == 2
    line = _one_line(capsys.readouterr().err)
    assert "--limit" in line and "at least 1" in line


def test_eval_json_path_is_checked_before_the_cases_run(tmp_path, capsys):
    repo = _repo(tmp_path)
    assert main(["eval", str(repo), "--json", str(tmp_path / "nodir" / "x.json"), "--model", MISSING_MODEL]) == 2
    line = _one_line(capsys.readouterr().err)
    assert "--json" in line and "does not exist" in line
    assert main(["eval", str(repo), "--json", str(tmp_path), "--model", MISSING_MODEL]) == 2
    assert "is a folder" in _one_line(capsys.readouterr().err)


def test_eval_with_a_missing_model_stops_before_drawing_cases(tmp_path, capsys):
    assert main(["eval", str(_repo(tmp_path)), "--model", MISSING_MODEL]) == 2
    line = _one_line(capsys.readouterr().err)  # no "N cases from M files; loading ..." line first
    assert MISSING_MODEL in line


def test_finetune_with_a_missing_model_fails_fast_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["finetune", str(_repo(tmp_path)), "--output", str(out), "--model", MISSING_MODEL]) == 2
    line = _one_line(capsys.readouterr().err)
    assert MISSING_MODEL in line
    assert not out.exists()  # no train.txt / heldout.txt left behind


def test_compare_does_not_star_a_single_case():
    a = _result([_record("1", "line", False, 0.1)] + [_record(str(i), "block", False, 0.2) for i in range(2, 32)])
    b = _result([_record("1", "line", True, 0.9)] + [_record(str(i), "block", True, 0.8) for i in range(2, 32)])
    diffs, _, _ = compare(a, b)
    line_em = next(d for d in diffs if d.metric == "em" and d.scope == "line")
    assert line_em.n == 1 and line_em.delta == 1.0 and not line_em.significant
    text = format_compare(a, b)
    row = next(r for r in text.splitlines() if r.startswith("line") and " em " in f" {r} ")
    assert "*" not in row and "too few cases" in row
    block = next(r for r in text.splitlines() if r.startswith("block") and " em " in f" {r} ")
    assert block.rstrip().endswith("*")


def test_the_eval_header_says_an_adapter_was_applied():
    result = _result([_record("1", "line", True, 1.0)])
    result.update(model="/m/base", adapter="/m/adapter")
    head = format_summary(result).splitlines()[0]
    assert "model /m/base" in head and "adapter /m/adapter applied" in head
    result["adapter"] = ""
    assert "adapter" not in format_summary(result).splitlines()[0]
    assert summaries  # the records' summaries come from the same code as a run's


def test_a_reader_that_leaves_early_gets_no_traceback(tmp_path):
    """`aix-lsp stats | head`: the pipe's reader is gone before the command writes (its end is closed at
    once here); the command ends quietly instead of a BrokenPipeError traceback."""
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "aix_lsp", "stats", "--stats-dir", str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.wait(timeout=300)
    assert "Traceback" not in err and "BrokenPipeError" not in err, err

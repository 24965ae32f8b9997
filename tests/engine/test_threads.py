"""The `threads` default: the usable cores minus the load already on them, at least 1 (benchmarks/threads.py
measured why), used by the in-process loader and given to the llama.cpp child."""

from __future__ import annotations

from aix_lsp.config import Settings
from aix_lsp.engine.llamacpp import server_args
from aix_lsp.engine.threads import choose_threads, default_threads


def test_the_default_gives_the_free_cores():
    assert default_threads(cores=2, load=0.0) == 2
    assert default_threads(cores=2, load=4.5) == 1
    assert default_threads(cores=16, load=3.2) == 13
    assert default_threads(cores=8, load=0.6) == 7
    assert choose_threads(3) == 3 and choose_threads(0) >= 1


def test_the_llama_cpp_child_gets_the_threads_and_one_slot_of_the_whole_context(tmp_path):
    args = server_args(Settings(max_context_tokens=8192, device="cpu"), tmp_path / "m.gguf", 3)
    assert args[args.index("-t") + 1] == "3" and args[args.index("-c") + 1] == "8192" and args[args.index("-np") + 1] == "1"
    assert args[args.index("-ngl") + 1] == "0"
    assert "-ngl" not in server_args(Settings(device="auto"), tmp_path / "m.gguf", 1)

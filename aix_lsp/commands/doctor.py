"""``aix-lsp doctor``: what this machine and these settings need, checked and printed as one table.

Each row is ok, warn (works, worse than it could) or FAIL (will not work), with the fix for the last two;
then a configuration suggested for the machine's tier. Nothing here loads weights or downloads: the model
is looked for on disk and in the Hugging Face cache; a remote server is asked what the remote engine asks
at start-up (its models, its key, its tokenizer). The exit status is 1 when a row failed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from aix_lsp.config import Settings
from aix_lsp.errors import reason

OK, WARN, FAIL, INFO = "ok", "warn", "FAIL", "info"


@dataclass
class Row:
    check: str
    status: str
    detail: str
    fix: str = ""


@dataclass
class Machine:
    cores: int = 1
    ram_total: float = 0.0
    ram_free: float = 0.0
    gpu: str = ""  # "" | "cuda" | "mps"
    gpu_name: str = ""
    vram_total: float = 0.0
    vram_free: float = 0.0
    bf16_cpu: bool = False


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the rows and the suggestion as JSON")


def run(args: argparse.Namespace, settings: Settings) -> int:
    rows, machine = check_all(settings)
    suggestion = suggest(machine)
    if args.json:
        print(json.dumps({"rows": [vars(r) for r in rows], "suggestion": suggestion}, indent=1))
    else:
        print(render(rows))
        print()
        print("Suggested for this machine:")
        for line in suggestion:
            print(f"  {line}")
    return 1 if any(r.status == FAIL for r in rows) else 0


def render(rows: list[Row]) -> str:
    width = max(len(r.check) for r in rows)
    out = [f"{'check':{width}}  status  detail", f"{'-' * width}  ------  {'-' * 40}"]
    for r in rows:
        out.append(f"{r.check:{width}}  {r.status:6}  {r.detail}")
        if r.fix and r.status in (WARN, FAIL):
            out.append(f"{'':{width}}  {'':6}  fix: {r.fix}")
    return "\n".join(out)


def _guard(check: str, fn: Callable[[], list[Row]]) -> list[Row]:
    """A check that raises becomes its own failing row: the doctor never crashes on a broken machine."""
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001
        return [Row(check, FAIL, f"the check itself failed: {reason(exc)}")]


def check_all(settings: Settings) -> tuple[list[Row], Machine]:
    machine = Machine()
    rows: list[Row] = []
    rows += _guard("python", lambda: python_rows())
    rows += _guard("packages", lambda: package_rows())
    rows += _guard("hardware", lambda: hardware_rows(machine))
    rows += _guard("model", lambda: model_rows(settings, machine))
    rows += _guard("llama-server", lambda: llama_rows(settings))
    if settings.engine == "openai":
        rows += _guard("remote", lambda: remote_rows(settings))
    rows += _guard("grammars", lambda: grammar_rows())
    rows += _guard("cache", lambda: cache_rows(settings))
    rows += _guard("vscode", lambda: vscode_rows())
    return rows, machine


def python_rows() -> list[Row]:
    version = platform.python_version()
    ok = sys.version_info >= (3, 10)
    return [Row("python", OK if ok else FAIL, f"{version} ({sys.executable})", "" if ok else "aix-lsp needs Python 3.10 or newer")]


def package_rows() -> list[Row]:
    from aix_lsp.compat import EXTRAS, SUPPORTED, installed_version, version_problems

    problems = version_problems()
    required = [n for n in SUPPORTED if n not in EXTRAS]
    rows = [Row("packages", OK if not problems else FAIL,
                f"{len(required) - len([p for p in problems if p.split()[0] in required])}/{len(required)} required packages in range "
                f"(torch {installed_version('torch')}, transformers {installed_version('transformers')})")]
    for problem in problems:
        rows.append(Row(f"package {problem.split()[0]}", FAIL, problem.split(";")[0].split(", but")[0], problem))
    missing = sorted({extra for name, extra in EXTRAS.items() if installed_version(name) is None})
    if missing:
        rows.append(Row("extras", INFO, f"not installed: {', '.join(missing)} (optional: pip install 'aix-lsp[NAME]')"))
    return rows


def cpu_has_fast_bf16() -> bool:
    """x86 AVX512-BF16/AMX, or an ARM CPU with BF16 (Apple M2 and later, Graviton 3 ...)."""
    if sys.platform == "darwin":
        return platform.machine() == "arm64"
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return bool(re.search(r"\b(avx512_bf16|amx_bf16|bf16)\b", flags))


def hardware_rows(machine: Machine) -> list[Row]:
    import psutil

    from aix_lsp.engine.memory import gb
    from aix_lsp.engine.threads import busy_cores, default_threads, usable_cores

    machine.cores = usable_cores()
    vm = psutil.virtual_memory()
    machine.ram_total, machine.ram_free = float(vm.total), float(vm.available)
    machine.bf16_cpu = cpu_has_fast_bf16()
    rows = [Row("cpu", OK, f"{machine.cores} cores usable, load {busy_cores():.1f} (threads=0 runs {default_threads()}); "
                          f"fast bf16: {'yes' if machine.bf16_cpu else 'no'} ({platform.machine()})"),
            Row("ram", OK if machine.ram_free >= 4 * 1024**3 else WARN, f"{gb(machine.ram_free)} available of {gb(machine.ram_total)}",
                "close programs, or use a smaller model / a 4-bit GGUF through engine=llama.cpp")]
    try:
        import torch

        if torch.cuda.is_available():
            free, total = torch.cuda.mem_get_info(0)
            machine.gpu, machine.gpu_name = "cuda", torch.cuda.get_device_name(0)
            machine.vram_total, machine.vram_free = float(total), float(free)
            rows.append(Row("gpu", OK, f"CUDA: {machine.gpu_name}, {gb(free)} free of {gb(total)} (torch {torch.__version__})"))
        elif getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            machine.gpu, machine.gpu_name = "mps", "Apple Metal"
            rows.append(Row("gpu", OK, "Apple Metal (MPS); memory is the RAM above (unified)"))
        else:
            rows.append(Row("gpu", INFO, f"none usable by torch {torch.__version__} (CPU only)"))
    except ImportError:
        rows.append(Row("gpu", WARN, "torch is not importable", "pip install torch"))
    return rows


def _model_format(folder: Path) -> str:
    kinds = []
    if list(folder.glob("*.safetensors")):
        kinds.append("safetensors")
    if list(folder.glob("*.bin")):
        kinds.append("pytorch .bin")
    ggufs = list(folder.glob("*.gguf"))
    if ggufs:
        kinds.append(f"GGUF ({', '.join(g.name for g in ggufs[:3])})")
    return ", ".join(kinds) or "no weights found"


def model_rows(settings: Settings, machine: Machine) -> list[Row]:
    from aix_lsp.engine.base import EngineError
    from aix_lsp.engine.memory import estimate_gguf, estimate_local, gb, model_shape
    from aix_lsp.engine.model_source import looks_like_path

    model = settings.model
    rows: list[Row] = []
    if settings.engine == "llama.cpp":
        from aix_lsp.engine.llamacpp import resolve_gguf

        try:
            gguf, folder = resolve_gguf(model, settings.gguf)
        except EngineError as exc:
            return [Row("model", FAIL, str(exc), "aix-lsp convert MODEL_DIR --outtype q8_0, or set model to a .gguf file")]
        rows.append(Row("model", OK, f"GGUF {gguf} ({gb(gguf.stat().st_size)}); tokenizer from {folder or 'the GGUF'}"))
        from aix_lsp.engine.memory import gguf_shape

        shape = (model_shape(str(folder)) if folder else None) or gguf_shape(gguf)
        estimate = estimate_gguf(gguf.stat().st_size, shape, settings.max_context_tokens)
        free = machine.ram_free
        rows.append(Row("model fits", OK if estimate.total <= free else FAIL, f"needs about {estimate.describe()}; {gb(free)} RAM available",
                        "a smaller quantization (Q4_K_M), less max_context_tokens, or a smaller model"))
        return rows
    path = Path(model).expanduser()
    source = model
    if path.is_dir():
        fmt = _model_format(path)
        has_config = (path / "config.json").is_file()
        rows.append(Row("model", OK if has_config else FAIL, f"folder {path}: {fmt}",
                        "a transformers model folder holds config.json, the tokenizer and the weights"))
        if not has_config:
            return rows
    elif looks_like_path(model):
        return [Row("model", FAIL, f"no such folder: {model}", "set model to a model folder or a Hugging Face id")]
    else:
        from huggingface_hub import try_to_load_from_cache

        cached = try_to_load_from_cache(model, "config.json")
        if isinstance(cached, str):
            rows.append(Row("model", OK, f"{model}: in the Hugging Face cache ({Path(cached).parent})"))
        else:
            rows.append(Row("model", WARN, f"{model}: not in the Hugging Face cache; downloads on first use",
                            f"hf download {model} (a 7B model is about 15 GB), before going offline"))
            return rows
    shape = model_shape(source)
    if shape is None:
        return rows + [Row("model fits", WARN, "cannot read the model's config.json to estimate its memory")]
    device = settings.device if settings.device != "auto" else ("cuda" if machine.gpu == "cuda" else "cpu")
    free, where = (machine.vram_free, "free GPU memory") if device.startswith("cuda") and machine.gpu == "cuda" else (machine.ram_free, "available RAM")
    from aix_lsp.engine.loader import dtype_name

    dtype = dtype_name(settings.dtype, device, lambda d: estimate_local(shape, d, settings.quantization, settings.max_context_tokens).total <= free)
    estimate = estimate_local(shape, dtype, settings.quantization, settings.max_context_tokens)
    fits = estimate.total <= free
    detail = f"{shape.params / 1e9:.2f} B parameters; needs about {estimate.describe()} on {device}; {gb(free)} {where}"
    fix = ""
    if not fits:
        from aix_lsp.engine.memory import options_that_fit

        fix = "; ".join(options_that_fit(shape, free, settings.max_context_tokens, device, dtype))
    rows.append(Row("model fits", OK if fits else FAIL, detail, fix))
    return rows


def llama_rows(settings: Settings) -> list[Row]:
    from aix_lsp.engine.base import EngineError
    from aix_lsp.engine.llama_server import binary_version, cache_dir, find_binary, missing_message

    needed = settings.engine == "llama.cpp"
    try:
        binary = find_binary(settings.llama_server)
    except EngineError as exc:
        return [Row("llama-server", FAIL if needed else INFO, "not found" + ("" if needed else " (needed for engine=llama.cpp only)"),
                    str(exc) if settings.llama_server else missing_message())]
    try:
        version = binary_version(binary)
    except EngineError as exc:
        return [Row("llama-server", FAIL if needed else WARN, str(exc), "aix-lsp install-llama-server --force")]
    converter = cache_dir() / "src" / "convert_hf_to_gguf.py"
    return [Row("llama-server", OK, f"{binary} ({version})"),
            Row("gguf converter", OK if converter.is_file() else INFO, str(converter) if converter.is_file() else "not installed (aix-lsp convert needs it)",
                "aix-lsp install-llama-server")]


def remote_rows(settings: Settings) -> list[Row]:
    from aix_lsp.engine.base import EngineError
    from aix_lsp.engine.remote import RemoteEngine

    try:
        engine = RemoteEngine.load(settings)  # the tokenizer, the server's kind and model, the key, /tokenize
    except EngineError as exc:
        return [Row("remote", FAIL, str(exc), "check api_base, api_key (or AIX_API_KEY) and that the server serves the model of the setting 'model'")]
    try:
        info = engine.describe()
        if info.get("error"):
            return [Row("remote", FAIL, f"{settings.api_base}: {info['error']}", "is the server running and reachable from here?")]
        return [Row("remote", OK, f"{settings.api_base} ({info['server_kind']}) serves '{info['model']}'; key accepted; same tokenizer")]
    finally:
        engine.close()


def grammar_rows() -> list[Row]:
    from aix_lsp.syntax.grammars import GRAMMARS, load_language

    names = sorted({module for module, _ in GRAMMARS.values()})
    broken = sorted({GRAMMARS[lang][0] for lang in GRAMMARS if load_language(lang) is None})
    if broken:
        return [Row("grammars", WARN, f"{len(names) - len(broken)}/{len(names)} tree-sitter grammars load; broken: {', '.join(broken)}",
                    "pip install --force-reinstall " + " ".join(b.replace("_", "-") for b in broken))]
    return [Row("grammars", OK, f"{len(names)}/{len(names)} tree-sitter grammars load")]


def folder_size(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total


def cache_rows(settings: Settings) -> list[Row]:
    from huggingface_hub import constants

    from aix_lsp.engine.memory import gb
    from aix_lsp.workspace.workspace import default_cache_dir

    index = Path(settings.index_cache_dir).expanduser() if settings.index_cache_dir else default_cache_dir()
    rows = []
    for label, path in (("index cache", index), ("hf cache", Path(constants.HF_HUB_CACHE))):
        if path.is_dir():
            writable = os.access(path, os.W_OK)
            rows.append(Row(label, OK if writable else FAIL, f"{path}: {gb(folder_size(path))}", f"make {path} writable, or set index_cache_dir"))
        else:
            rows.append(Row(label, INFO, f"{path}: not created yet"))
    return rows


def vscode_settings_files() -> list[Path]:
    home = Path.home()
    candidates = [home / ".config" / "Code" / "User" / "settings.json",
                  home / "Library" / "Application Support" / "Code" / "User" / "settings.json"]
    if os.environ.get("APPDATA"):
        candidates.append(Path(os.environ["APPDATA"]) / "Code" / "User" / "settings.json")
    return [p for p in candidates if p.is_file()]


def vscode_rows() -> list[Row]:
    files = vscode_settings_files()
    if not files:
        return [Row("vscode", INFO, "no VS Code user settings file found")]
    rows = []
    for path in files:
        text = path.read_text("utf-8", errors="replace")
        keys = sorted(set(re.findall(r'"(aix\.[A-Za-z.]+)"\s*:', text)))
        if "aix.apiKey" in keys:  # never shown; a key in a settings file is readable by every extension
            rows.append(Row("vscode api key", WARN, f"{path} holds aix.apiKey (not shown)",
                            "remove it and export AIX_API_KEY in the editor's environment instead"))
        rows.append(Row("vscode", OK, f"{path}: {', '.join(keys) if keys else 'no aix.* settings (defaults)'}"))
    return rows


def suggest(machine: Machine) -> list[str]:
    """A configuration by hardware tier (issue 22): GPU >= 16 GB, 8-16 GB, Apple Silicon / CPU only; team."""
    from aix_lsp.engine.memory import gb

    lines = []
    if machine.gpu == "cuda" and machine.vram_total >= 15 * 1024**3:
        lines.append(f"GPU with {gb(machine.vram_total)}: in-process bf16 -- engine=local device=cuda dtype=auto (aiXcoder-7B: ~15 GB + KV cache)")
    elif machine.gpu == "cuda" and machine.vram_total >= 7.5 * 1024**3:
        lines.append(f"GPU with {gb(machine.vram_total)}: engine=local quantization=8bit (7B: ~8 GB) or 4bit (~5 GB; pip install 'aix-lsp[gpu]'), "
                     "or engine=llama.cpp with a Q8_0 GGUF offloaded to the GPU")
    else:
        where = "Apple Silicon (Metal)" if machine.gpu == "mps" or (sys.platform == "darwin" and platform.machine() == "arm64") else "CPU only"
        ram = machine.ram_total
        if ram >= 16 * 1024**3:
            model = "aiXcoder-7B as Q8_0 (7.5 GB; `aix-lsp convert MODEL --outtype q8_0`)"
        elif ram >= 8 * 1024**3:
            model = "a 7B model as Q4_K_M (~4.5 GB) or a 1.5-3B coder model as Q8_0"
        else:
            model = "a 1.5B coder model as Q4_K_M (~1 GB)"
        lines.append(f"{where}, {gb(ram)} RAM: engine=llama.cpp with {model}; `aix-lsp install-llama-server` if llama-server is not on PATH")
        lines.append(f"max_context_tokens=8192 keeps prefill short on {machine.cores} cores; threads=0 picks the free cores")
    lines.append("a team: one GPU box running vLLM or llama-server, engine=openai api_base=http://BOX:8000/v1 (README: Team server)")
    return lines

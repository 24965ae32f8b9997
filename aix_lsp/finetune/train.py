"""LoRA fine-tuning (PEFT) on structured FIM samples of the user's repository, or with ``next_edit`` on
next-edit samples of its git history (``aix_lsp/finetune/next_edit_samples.py``): one trainer for both.

The base is the ``model`` setting, loaded as the engine loads it: bf16 on a GPU (``dtype`` auto), 8/4-bit
base weights through bitsandbytes with ``quantization`` (k-bit training preparation from PEFT), fp32 on
the CPU (enough for the tiny model). LoRA goes on every linear projection of the decoder (as aiXcoder's
own fine-tuning script does), AdamW with transformers' linear warmup and cosine decay (to a tenth of ``lr``), loss
on the label tokens only (the middle and the end token). The held-out files' samples are scored before
training and after every epoch: a train loss that falls while the held-out loss does not is memorising,
which the printed figures and the curve show.

The output folder holds: the adapter (``adapter_config.json``, weights, ``aix-base.json``), ``train.txt``
and ``heldout.txt`` (the file split: ``aix-lsp eval --files-from DIR`` measures on held-out files only; next edits:
``train-commits.txt`` and ``heldout-commits.txt``, for ``eval --next-edit --commits-from DIR``),
``loss.csv`` (train loss per step, held-out loss where measured) and ``loss.png`` (when matplotlib is installed), ``finetune.json`` (what was done), and
while training ``checkpoint/`` (adapter + optimizer + step), written atomically (a temporary folder
renamed), so ``--resume`` continues from the last complete one.
"""

from __future__ import annotations

import json
import logging
import math
import os
import random
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from aix_lsp.config import Settings
from aix_lsp.errors import reason
from aix_lsp.progress import progress_bar

log = logging.getLogger(__name__)

CHECKPOINT = "checkpoint"
STATE_FILE = "trainer_state.json"


class FinetuneError(Exception):
    """A failure the user should read; the command prints it and exits non-zero."""


@dataclass
class TrainOptions:
    epochs: int = 1
    lr: float = 1e-3  # the peak, after the warmup
    warmup: float = 0.05  # fraction of the steps with a linear warmup; then a cosine decay to lr / 10
    schedule: str = "cosine"  # or "constant"
    rank: int = 8
    alpha: int = 0  # 0: twice the rank
    dropout: float = 0.05
    max_samples: int = 2000
    heldout_fraction: float = 0.2
    seed: int = 0
    checkpoint_every: int = 0  # steps; 0: five checkpoints per run
    resume: bool = False
    crossfile: bool = False
    batch_size: int = 1  # samples per optimizer step (right-padded)
    heldout_samples: int = 200  # samples of the held-out files scored per epoch (0: none)
    train_head: bool = False  # also train the token embeddings and the output head in full (a random base needs it; 400M numbers on a 7B)
    languages: list[str] | None = None
    progress: bool = True
    next_edit: bool = False  # next-edit samples from the git history (split by commit), not structured FIM
    commits: int = 200  # next_edit: the newest commits to take cases from
    heldout_commits: int = 20  # next_edit: the newest of them, held out of training


@dataclass
class TrainReport:
    output: str
    train_files: int
    heldout_files: int
    samples: int
    skipped: dict[str, int]
    cut_middles: int  # samples whose middle is longer than max_new_tokens: its first max_new_tokens tokens, no end token
    steps: int
    first_loss: float
    last_loss: float
    heldout_losses: list[tuple[int, float]]  # (step, mean loss per label token on the held-out samples)
    seconds: float
    samples_per_s: float
    step_s: float  # seconds per optimizer step, held-out scoring excluded
    peak_memory_mb: float
    loss_plot: str
    interrupted: bool = False
    resumed_from: int = 0
    notes: list[str] = field(default_factory=list)
    train_commits: int = 0  # next_edit: the split is by commit (train_files and heldout_files are 0)
    heldout_commits: int = 0


def load_base(settings: Settings, for_training: bool = True) -> tuple[Any, Any, str, bool]:
    """(model, tokenizer, device, quantized) for ``settings.model``, through the engine's loader (the same
    version check, model source, device, dtype, memory check); the adapter setting is not applied here."""
    from aix_lsp.engine.base import EngineError
    from aix_lsp.engine.loader import load_weights

    try:
        loaded = load_weights(settings, adapter=False)
    except EngineError as exc:
        raise FinetuneError(str(exc)) from exc
    return loaded.model, loaded.tokenizer, loaded.device, loaded.quantized


def lora_targets(model: Any) -> list[str]:
    """Names of the decoder's linear projections (q/k/v/o, gate/up/down for Llama), not the output head."""
    import torch

    names = {name.rsplit(".", 1)[-1] for name, module in model.named_modules()
             if isinstance(module, torch.nn.Linear) and not name.endswith("lm_head")}
    if not names:  # quantized linears are not nn.Linear
        names = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}
    return sorted(names)


def final_norm(model: Any) -> list[str]:
    """The name of the decoder's final norm (``norm`` for Llama), when it has one."""
    inner = getattr(model, "model", None)
    return ["norm"] if inner is not None and hasattr(inner, "norm") else []


def _write_lines(path: Path, lines: list[str]) -> None:
    path.write_text("".join(f"{line}\n" for line in lines), "utf-8")


def _save_checkpoint(model: Any, optimizer: Any, output: Path, state: dict) -> None:
    """Atomically replace ``output/checkpoint``; a failed write leaves the previous one in place."""
    import torch

    final = output / CHECKPOINT
    tmp = output / (CHECKPOINT + ".tmp")
    try:
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir(parents=True)
        model.save_pretrained(str(tmp))
        torch.save(optimizer.state_dict(), tmp / "optimizer.pt")
        (tmp / STATE_FILE).write_text(json.dumps(state) + "\n", "utf-8")
        old = output / (CHECKPOINT + ".old")
        if final.exists():
            if old.exists():
                shutil.rmtree(old)
            os.replace(final, old)
        os.replace(tmp, final)
        if old.exists():
            shutil.rmtree(old, ignore_errors=True)
    except (OSError, RuntimeError) as exc:  # torch.save reports a full disk as a RuntimeError
        shutil.rmtree(tmp, ignore_errors=True)
        raise FinetuneError(f"cannot write a checkpoint to {final}: {_write_failure(exc, output)}; "
                            f"the last complete checkpoint is kept: free space and rerun with --resume") from exc


def _write_failure(exc: BaseException, folder: Path) -> str:
    """Why a write failed, in words: torch's own message for a full disk is 'unexpected pos 64 vs 0'."""
    try:
        if shutil.disk_usage(folder).free < 1 << 20:
            return "No space left on device"
    except OSError:
        pass
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return reason(exc)


def _write_loss_curve(output: Path, losses: list[float], heldout: list[tuple[int, float]]) -> tuple[str, str]:
    """loss.csv always (step 0: before training, held-out only); loss.png when matplotlib is installed.
    Returns (png path or '', note)."""
    held = dict(heldout)
    with open(output / "loss.csv", "w", encoding="utf-8") as f:
        f.write("step,loss,heldout_loss\n")
        if 0 in held:
            f.write(f"0,,{held[0]:.6f}\n")
        for i, loss in enumerate(losses, 1):
            f.write(f"{i},{loss:.6f},{held[i]:.6f}\n" if i in held else f"{i},{loss:.6f},\n")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "", "matplotlib is not installed: the loss curve is in loss.csv only (pip install 'aix-lsp[finetune]')"
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(range(1, len(losses) + 1), losses, linewidth=0.6, alpha=0.4, label="loss per step")
    window = max(1, len(losses) // 20)
    if window > 1:
        smooth = [sum(losses[max(0, i - window + 1): i + 1]) / len(losses[max(0, i - window + 1): i + 1]) for i in range(len(losses))]
        ax.plot(range(1, len(losses) + 1), smooth, linewidth=1.5, label=f"mean of {window}")
    if heldout:
        ax.plot([h[0] for h in heldout], [h[1] for h in heldout], "o-", linewidth=1.5, label="held-out samples")
    ax.set_xlabel("step")
    ax.set_ylabel("cross-entropy (label tokens)")
    ax.set_title("aix-lsp finetune")
    ax.legend()
    fig.tight_layout()
    png = output / "loss.png"
    fig.savefig(png, dpi=100)
    plt.close(fig)
    return str(png), ""


def finetune(root: Path, output: Path, settings: Settings, opts: TrainOptions,
             on_step: Callable[[int, float], None] | None = None) -> TrainReport:
    """Train a LoRA adapter on ``root``'s train files into ``output``. Raises FinetuneError; on Ctrl-C a
    checkpoint is saved and the report says ``interrupted``. ``on_step(step, loss)`` after each step.
    With ``opts.next_edit``: next-edit samples of ``root``'s git history, split by commit."""
    from aix_lsp.eval.cases import NoSourceFiles, parse_languages, source_files
    from aix_lsp.finetune.samples import split_files

    started = time.perf_counter()
    root = root.resolve()
    if not root.is_dir():
        raise FinetuneError(f"{root} is not a folder")
    if not 0 <= opts.warmup < 1 or opts.lr <= 0:
        raise FinetuneError(f"the warmup is a fraction of the steps (0 to below 1, got {opts.warmup}) and lr a positive rate (got {opts.lr})")
    try:
        output.mkdir(parents=True, exist_ok=True)
        probe = output / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise FinetuneError(f"cannot write to the output folder {output}: {exc.strerror or exc}") from exc
    ckpt = output / CHECKPOINT
    state: dict[str, Any] | None = None
    if (ckpt / STATE_FILE).is_file():
        if not opts.resume:
            raise FinetuneError(f"{output} holds a checkpoint of an earlier run: add --resume to continue it, or choose another --output")
        state = json.loads((ckpt / STATE_FILE).read_text("utf-8"))
    elif opts.resume:
        log.warning("--resume: no checkpoint in %s, starting afresh", output)

    if opts.next_edit:
        if settings.next_edit_model and settings.next_edit_model != settings.model:
            raise FinetuneError(f"finetune --next-edit trains the model setting ({settings.model}); an adapter applies to it only, "
                                f"not to next_edit_model ({settings.next_edit_model}): give the next-edit model as --model and leave next_edit_model empty")
        return _finetune(root, output, settings, opts, on_step, started, state, *_commit_split(root, output, opts, state))

    # --- the split by file (kept from the first run when resuming) ---
    if state is not None and (output / "train.txt").is_file():
        train_rel = [l for l in (output / "train.txt").read_text("utf-8").splitlines() if l]
        held_rel = [l for l in (output / "heldout.txt").read_text("utf-8").splitlines() if l]
    else:
        files = source_files(root, parse_languages(opts.languages))
        if not files:
            raise FinetuneError(str(NoSourceFiles(f"no source file in a supported language under {root}; nothing to train on")))
        train_rel, held_rel = split_files([f.relative_to(root).as_posix() for f in files], opts.heldout_fraction, opts.seed)
        _write_lines(output / "train.txt", train_rel)
        _write_lines(output / "heldout.txt", held_rel)

    return _finetune(root, output, settings, opts, on_step, started, state, train_rel, held_rel)


def _commit_split(root: Path, output: Path, opts: TrainOptions, state: dict | None) -> tuple[list[str], list[str]]:
    """(train, held-out) commits of ``finetune --next-edit``, written to the output folder (kept from the
    first run when resuming)."""
    import subprocess

    from aix_lsp.eval.next_edit import HELDOUT_COMMITS, read_commit_list
    from aix_lsp.finetune.next_edit_samples import TRAIN_COMMITS, split_commits

    if state is not None and (output / TRAIN_COMMITS).is_file():
        return read_commit_list(output / TRAIN_COMMITS), read_commit_list(output / HELDOUT_COMMITS)
    if not (root / ".git").exists():
        raise FinetuneError(f"--next-edit takes its samples from git history: {root} is not a git repository")
    try:
        train, held = split_commits(root, opts.commits, opts.heldout_commits)
    except subprocess.CalledProcessError as exc:
        raise FinetuneError(f"git log failed in {root}: {(exc.stderr or '').strip() or exc}") from exc
    if not train:
        raise FinetuneError(f"{root} has no commit to train on")
    _write_lines(output / TRAIN_COMMITS, train)
    _write_lines(output / HELDOUT_COMMITS, held)
    return train, held


def _samples(root: Path, settings: Settings, opts: TrainOptions, tokenizer: Any, model: Any,
             train: list[str], held: list[str]) -> tuple[Any, list]:
    """(the training SampleSet, the held-out samples) of the split: files (structured FIM) or commits (next edits)."""
    if opts.next_edit:
        from aix_lsp.finetune.next_edit_samples import build_next_edit_samples, next_edit_format
        from aix_lsp.formats.base import FormatError

        try:
            fmt = next_edit_format(tokenizer, model, settings.next_edit_format)
        except FormatError as exc:
            raise FinetuneError(str(exc)) from exc
        print(f"aix-lsp finetune: next-edit samples ({fmt.NAME} format) from {len(train)} train commits ({len(held)} held out)", file=sys.stderr)
        sample_set = build_next_edit_samples(root, train, settings, tokenizer, fmt, opts.max_samples)
        if not sample_set.samples:
            raise FinetuneError(f"no training sample from {len(train)} commits (skipped: {sample_set.skipped or 'no commit changes a source file in two or more hunks'})")
        held_samples = build_next_edit_samples(root, held, settings, tokenizer, fmt, opts.heldout_samples).samples if held else []
        return sample_set, held_samples

    from aix_lsp.finetune.samples import build_samples

    print(f"aix-lsp finetune: building samples from {len(train)} train files ({len(held)} held out)", file=sys.stderr)
    sample_set = build_samples(root, [root / r for r in train], settings, tokenizer, opts.max_samples, opts.seed,
                               opts.crossfile, held)
    if not sample_set.samples:
        raise FinetuneError(f"no training sample from {len(train)} files (skipped: {sample_set.skipped or 'no syntax node'})")
    held_samples = []
    if opts.heldout_samples > 0 and held:
        held_samples = build_samples(root, [root / r for r in held], settings, tokenizer, opts.heldout_samples, opts.seed,
                                     opts.crossfile, held).samples
    return sample_set, held_samples


def _finetune(root: Path, output: Path, settings: Settings, opts: TrainOptions, on_step: Callable[[int, float], None] | None,
              started: float, state: dict | None, train_rel: list[str], held_rel: list[str]) -> TrainReport:
    """Load the base, build the samples of the split, train (or resume) and write the adapter."""
    import torch

    from aix_lsp.engine.adapter import write_base_file

    ckpt = output / CHECKPOINT
    model, tokenizer, device, quantized = load_base(settings)
    sample_set, held_samples = _samples(root, settings, opts, tokenizer, model, train_rel, held_rel)
    samples = sample_set.samples

    try:
        from peft import LoraConfig, PeftModel, get_peft_model, prepare_model_for_kbit_training
    except ImportError as exc:
        raise FinetuneError(f"fine-tuning needs peft: pip install 'aix-lsp[finetune]' ({exc})") from exc
    if quantized:
        model = prepare_model_for_kbit_training(model)
    if state is not None:
        model = PeftModel.from_pretrained(model, str(ckpt), is_trainable=True)
    else:
        # The final norm's gain (hidden_size numbers) is trained in full: it sets how peaked the output can be,
        # which LoRA on the projections cannot change (the norm rescales their output); a random base needs it.
        config = LoraConfig(r=opts.rank, lora_alpha=opts.alpha or 2 * opts.rank, lora_dropout=opts.dropout,
                            target_modules=lora_targets(model), modules_to_save=final_norm(model) + (["embed_tokens", "lm_head"] if opts.train_head else []),
                            task_type="CAUSAL_LM")
        model = get_peft_model(model, config)
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=opts.lr, weight_decay=0.0)
    if state is not None and (ckpt / "optimizer.pt").is_file():
        optimizer.load_state_dict(torch.load(ckpt / "optimizer.pt", map_location=device))

    n = len(samples)
    batch = max(1, opts.batch_size)
    per_epoch = math.ceil(n / batch)
    total = opts.epochs * per_epoch
    step = int(state["step"]) if state else 0
    losses: list[float] = list(state["losses"]) if state else []
    heldout_losses: list[tuple[int, float]] = [tuple(h) for h in state.get("heldout_losses", [])] if state else []
    every = opts.checkpoint_every or max(1, math.ceil(total / 5))
    scheduler = lr_scheduler(optimizer, total, opts, done=step)
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
    bar = progress_bar(total, "finetune", "step", opts.progress, initial=step)
    interrupted = False
    t_loop = time.perf_counter()
    done_here = 0
    meta = {"seed": opts.seed, "samples": n, "epochs": opts.epochs, "batch_size": batch}
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id

    scoring_s = 0.0  # held-out scoring, kept out of the training throughput

    def score_heldout() -> None:
        nonlocal scoring_s
        if held_samples and not (heldout_losses and heldout_losses[-1][0] == step):
            t = time.perf_counter()
            heldout_losses.append((step, heldout_loss(model, held_samples, pad_id, device, batch)))
            scoring_s += time.perf_counter() - t
            train_part = f"train loss {_mean(losses[-per_epoch:]):.3f}, " if losses else ""
            say = getattr(bar, "write", print)  # above tqdm's bar, or a plain line without one
            say(f"step {step}/{total} (epoch {step / per_epoch:.1f}): {train_part}held-out loss {heldout_losses[-1][1]:.3f}",
                file=sys.stderr)

    try:
        score_heldout()  # before training: the base model's figure
        while step < total:
            epoch, i = divmod(step, per_epoch)
            order = list(range(n))
            random.Random(opts.seed * 1000 + epoch).shuffle(order)
            ids, labels, mask = _collate([samples[k] for k in order[i * batch:(i + 1) * batch]], pad_id, device)
            loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            losses.append(float(loss.detach()))
            step += 1
            done_here += ids.shape[0]
            bar.update(1)
            bar.set_postfix_str(f"loss {sum(losses[-20:]) / len(losses[-20:]):.3f}", refresh=False)
            if on_step is not None:
                on_step(step, losses[-1])
            if step % per_epoch == 0 or step == total:
                score_heldout()
            if step % every == 0 and step < total:
                _save_checkpoint(model, optimizer, output, {**meta, "step": step, "losses": losses, "heldout_losses": heldout_losses})
    except KeyboardInterrupt:
        interrupted = True
    finally:
        bar.close()
    loop_s = time.perf_counter() - t_loop - scoring_s
    if interrupted:
        _save_checkpoint(model, optimizer, output, {**meta, "step": step, "losses": losses, "heldout_losses": heldout_losses})
    else:
        try:
            model.save_pretrained(str(output))
            write_base_file(output, settings.model, model.get_base_model().config)
        except OSError as exc:
            raise FinetuneError(f"cannot write the adapter to {output}: {exc.strerror or exc}") from exc
        shutil.rmtree(ckpt, ignore_errors=True)
    png, note = _write_loss_curve(output, losses, heldout_losses)
    units = ({"train_commits": len(train_rel), "heldout_commits": len(held_rel), "train_files": 0, "heldout_files": 0} if opts.next_edit
             else {"train_files": len(train_rel), "heldout_files": len(held_rel)})
    report = TrainReport(
        output=str(output), **units, samples=n, skipped=sample_set.skipped, cut_middles=sample_set.cut,
        steps=step, first_loss=_mean(losses[:max(1, len(losses) // 10)]), last_loss=_mean(losses[-max(1, len(losses) // 10):]),
        heldout_losses=heldout_losses,
        seconds=time.perf_counter() - started, samples_per_s=done_here / loop_s if loop_s > 0 else 0.0,
        step_s=loop_s / max(1, step - (int(state["step"]) if state else 0)),
        peak_memory_mb=torch.cuda.max_memory_allocated() / 2**20 if device.startswith("cuda") else 0.0,
        loss_plot=png, interrupted=interrupted, resumed_from=int(state["step"]) if state else 0, notes=[note] if note else [],
    )
    try:
        (output / "finetune.json").write_text(json.dumps({"repository": str(root), "model": settings.model,
                                                          "options": asdict(opts), "report": asdict(report)}, indent=1) + "\n", "utf-8")
    except OSError as exc:
        raise FinetuneError(f"cannot write {output / 'finetune.json'}: {exc.strerror or exc}") from exc
    return report


def lr_scheduler(optimizer: Any, total: int, opts: TrainOptions, done: int = 0) -> Any:
    """transformers' schedule for ``total`` optimizer steps: constant, or a linear warmup then a cosine
    decay to lr / 10 (``get_cosine_with_min_lr_schedule_with_warmup``, ``min_lr_rate=0.1``). Set at step
    ``done``: the rate is a function of the step alone, so a resumed run continues the same schedule."""
    from transformers import get_constant_schedule, get_cosine_with_min_lr_schedule_with_warmup

    for group in optimizer.param_groups:
        group["initial_lr"] = opts.lr  # LambdaLR scales this; needed to start at a step other than 0
    if opts.schedule == "constant":
        return get_constant_schedule(optimizer, last_epoch=done - 1)
    warm = max(1, round(opts.warmup * total))
    return get_cosine_with_min_lr_schedule_with_warmup(optimizer, warm, total, min_lr_rate=0.1, last_epoch=done - 1)


def heldout_loss(model: Any, samples: list, pad_id: int, device: str, batch: int) -> float:
    """Mean cross-entropy per label token over ``samples`` (no dropout, no gradient)."""
    import torch

    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    try:
        with torch.no_grad():
            for i in range(0, len(samples), batch):
                ids, labels, mask = _collate(samples[i:i + batch], pad_id, device)
                logits = model(input_ids=ids, attention_mask=mask).logits[:, :-1].float()
                target = labels[:, 1:]
                total += float(torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), target.reshape(-1),
                                                                 ignore_index=-100, reduction="sum"))
                count += int((target != -100).sum())
    finally:
        model.train(was_training)
    return total / count if count else float("nan")


def _collate(batch: list, pad_id: int, device: str):
    """Right-padded ids, labels (-100 on prompt and padding: loss on the middle and end token only), mask."""
    import torch

    width = max(len(s.input_ids) for s in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    labels = torch.full((len(batch), width), -100, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for row, s in enumerate(batch):
        length = len(s.input_ids)
        ids[row, :length] = torch.tensor(s.input_ids)
        labels[row, s.prompt_len:length] = ids[row, s.prompt_len:length]
        mask[row, :length] = 1
    return ids.to(device), labels.to(device), mask.to(device)


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else float("nan")

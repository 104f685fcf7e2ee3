"""The full comparison of the language-model chapter: RNN, LSTM and GRU, one and two layers, at one
parameter budget, several seeds, against the unigram and the Kneser-Ney n-gram, on the whole corpus.

    python -m seqlearn.text.sweep --out seqlearn/results/lm_sweep          # the committed run
    python -m seqlearn.text.sweep --out /tmp/quick --quick                 # a smoke test, seconds

Two groups of runs: every cell and depth at one parameter budget for a few epochs (the comparison),
and a larger one-layer LSTM trained longer (how far more compute takes one model; the chapter looks
inside it). Writes OUT.json (every run, with the command, date, versions, threads and run time), OUT.md
(the table) and OUT_lstm.npz (the weights of the larger LSTM that did best on validation). Models are
chosen on validation; the test text is read once per model, at the end.
"""
import argparse
import datetime
import json
import math
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

import seqlearn

from . import lm
from .corpus import load_corpus, split_by_position
from .ngram import KneserNey, Unigram, bits_per_char
from .stream import batchify
from .vocab import Vocab

RESULTS = Path(__file__).resolve().parents[1] / "results"      # where the committed sweep lives


def load_results(name="lm_sweep"):
    """The committed sweep (``seqlearn/results/NAME.json``) as a dict."""
    return json.loads((RESULTS / f"{name}.json").read_text())


def saved_lstm(result, name="lm_sweep", device=None):
    """The LSTM the sweep saved (``NAME_lstm.npz``), as a CharLM on ``device``, in float32."""
    info = result["saved_lstm"]
    model = lm.char_lm("LSTM", len(result["data"]["vocab"]), info["hidden"], device=device)
    state = np.load(RESULTS / f"{name}_lstm.npz")
    model.load_state_dict({k: torch.from_numpy(state[k]) for k in state.files})
    return model


def mixture_bits(nll_a, nll_b, weight):
    """Bits per character of the mixture weight · P_a + (1 - weight) · P_b, from per-character nats."""
    return bits_per_char(-np.logaddexp(np.log(weight) - nll_a, np.log1p(-weight) - nll_b)) \
        if 0 < weight < 1 else bits_per_char(nll_a if weight == 1 else nll_b)


def best_mixture(val_a, val_b, test_a, test_b, weights=np.linspace(0, 1, 21)):
    """The weight of model a chosen on validation, and the mixture's (validation, test) bits per character."""
    scores = {float(w): mixture_bits(val_a, val_b, w) for w in weights}
    w = min(scores, key=scores.get)
    return w, scores[w], mixture_bits(test_a, test_b, w)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="path without extension: OUT.json, OUT.md, OUT_lstm.npz")
    parser.add_argument("--cells", nargs="+", default=["RNN", "LSTM", "GRU"])
    parser.add_argument("--layers", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--budget", type=int, default=130_000, help="parameters per model (readout included)")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--long-hidden", type=int, default=256, help="hidden size of the longer LSTM (0: none)")
    parser.add_argument("--long-epochs", type=int, default=5)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--k", type=int, default=32, help="truncation length of TBPTT")
    parser.add_argument("--lrs", nargs="+", type=float, default=[3e-3, 1e-2, 3e-2],
                        help="Adam's learning rates to choose from (decayed linearly to 0), per cell and depth")
    parser.add_argument("--lr-chars", type=int, default=200_000,
                        help="training characters of the short runs that choose the learning rate")
    parser.add_argument("--clip", type=float, default=1.0)
    parser.add_argument("--orders", type=int, default=20, help="n-gram orders 1 .. ORDERS, chosen on validation")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="a tiny run on 30,000 characters (tests)")
    args = parser.parse_args(argv)
    start, load_at_start = time.perf_counter(), [round(x, 2) for x in os.getloadavg()]
    torch.set_num_threads(args.threads)
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(args.threads)
    except ImportError:
        pass

    train, val, test = split_by_position(load_corpus())
    vocab = Vocab.from_text(train)                             # the whole training split's characters
    if args.quick:
        train, val, test = train[:30_000], val[:3_000], test[:3_000]
    V = len(vocab)
    ids = {name: vocab.encode(text) for name, text in [("train", train), ("val", val), ("test", test)]}
    log = lambda *a: print(*a, flush=True)                       # noqa: E731

    # the baselines, fitted on the same training text
    uni = Unigram().fit(ids["train"], V)
    kn, kn_val = KneserNey.select(ids["train"], ids["val"], V, range(1, args.orders + 1))
    kn_nll = {split: kn.nll(ids[split]) for split in ("val", "test")}
    uni_nll = {split: uni.nll(ids[split]) for split in ("val", "test")}
    # the control for mixing: what the n-gram gains from any second opinion, here the unigram's
    w_uni, _, kn_uni_test = best_mixture(uni_nll["val"], kn_nll["val"], uni_nll["test"], kn_nll["test"])
    baselines = {"unigram": {"val_bpc": bits_per_char(uni_nll["val"]), "test_bpc": bits_per_char(uni_nll["test"])},
                 "kneser_ney": {"order": kn.order, "val_bpc_by_order": kn_val,
                                "val_bpc": kn_val[kn.order], "test_bpc": bits_per_char(kn_nll["test"])},
                 "kneser_ney_with_unigram": {"unigram_weight": w_uni, "test_bpc": kn_uni_test}}
    log(f"unigram test {baselines['unigram']['test_bpc']:.3f}; Kneser-Ney n = {kn.order}: "
        f"val {kn_val[kn.order]:.3f}, test {baselines['kneser_ney']['test_bpc']:.3f} bpc")

    data = torch.as_tensor(batchify(ids["train"], args.batch))
    configs = [("budget", cell, layers, lm.hidden_for_budget(cell, V, args.budget, layers), args.epochs)
               for cell in args.cells for layers in args.layers]
    if args.long_hidden:
        configs.append(("long", "LSTM", 1, args.long_hidden, args.long_epochs))
    # the learning rate of each cell and depth: one epoch on a prefix, seed 0, the best on validation
    short = torch.as_tensor(batchify(ids["train"][:args.lr_chars], args.batch))
    lr_search = {}
    for _, cell, layers, hidden, _ in configs:
        key = f"{cell}-{layers}"
        if key in lr_search:                                     # the longer LSTM uses the LSTM-1 choice
            continue
        lr_search[key] = {}
        for lr in args.lrs:
            torch.manual_seed(0)
            model = lm.char_lm(cell, V, hidden, layers)
            lm.train_tbptt(model, short, k=args.k, lr=lr, clip=args.clip, decay=True)
            lr_search[key][lr] = lm.bits(lm.evaluate(model, ids["val"], batch=16))
        log(f"learning rate for {key}: " + ", ".join(f"{lr:g}: {v:.3f}" for lr, v in lr_search[key].items()))
    chosen = {key: min(scores, key=scores.get) for key, scores in lr_search.items()}
    runs, saved = [], None
    for group, cell, layers, hidden, epochs in configs:
        lr = chosen[f"{cell}-{layers}"]
        for seed in args.seeds:
            torch.manual_seed(seed)
            model = lm.char_lm(cell, V, hidden, layers)
            hist = lm.train_tbptt(model, data, k=args.k, lr=lr, epochs=epochs, clip=args.clip,
                                  val=ids["val"], keep_best=True, decay=True)
            nll = {split: lm.evaluate(model, ids[split]) for split in ("val", "test")}
            weight, mix_val, mix_test = best_mixture(nll["val"], kn_nll["val"], nll["test"], kn_nll["test"])
            run = {"group": group, "cell": cell, "layers": layers, "hidden": hidden, "seed": seed,
                   "epochs": epochs, "lr": lr, "params": lm.parameter_count(cell, V, hidden, layers),
                   "val_bpc_by_epoch": hist["val_bpc"], "best_epoch": hist["best_epoch"],
                   "seconds_per_epoch": hist["seconds"], "cpu_seconds_per_epoch": hist["cpu_seconds"],
                   "val_bpc": lm.bits(nll["val"]), "test_bpc": lm.bits(nll["test"]), "mix_weight": weight,
                   "mix_val_bpc": mix_val, "mix_test_bpc": mix_test}
            runs.append(run)
            log(f"{group}: {cell} L={layers} H={hidden} seed {seed}: val {run['val_bpc']:.3f}, test "
                f"{run['test_bpc']:.3f}, with the n-gram {mix_test:.3f} bpc; "
                f"{np.mean(hist['cpu_seconds']):.1f} s of CPU per epoch")
            keep = group == ("long" if args.long_hidden else "budget") and cell == "LSTM" and layers == 1
            if keep and (saved is None or run["val_bpc"] < saved[0]["val_bpc"]):
                saved = (run, {k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})

    result = {"title": "Character-level language models on the CPython standard-library corpus",
              "meta": {"command": "python -m seqlearn.text.sweep " + " ".join(sys.argv[1:] if argv is None else argv),
                       "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                       "python": platform.python_version(), "torch": torch.__version__,
                       "numpy": np.__version__, "seqlearn": seqlearn.__version__,
                       "cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads(),
                       "load_average_at_start": load_at_start,
                       "load_average_at_end": [round(x, 2) for x in os.getloadavg()]},
              "config": {k: v for k, v in vars(args).items() if k != "out"},
              "data": {"train_chars": len(train), "val_chars": len(val), "test_chars": len(test),
                       "vocab": "".join(vocab.chars)},
              "baselines": baselines,
              "lr_search": {key: {f"{lr:g}": v for lr, v in scores.items()} for key, scores in lr_search.items()},
              "runs": runs}
    result["meta"]["seconds"] = round(time.perf_counter() - start, 1)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, indent=1) + "\n")
    out.with_suffix(".md").write_text(markdown(result))
    if saved is not None:
        run, state = saved
        result["saved_lstm"] = {k: run[k] for k in ("group", "hidden", "seed", "val_bpc", "test_bpc")}
        out.with_suffix(".json").write_text(json.dumps(result, indent=1) + "\n")
        np.savez_compressed(out.with_name(out.name + "_lstm.npz"), **state)
    log(f"wrote {out.with_suffix('.json')} in {result['meta']['seconds']:.0f} s")
    return result


def summary(result):
    """Per configuration (cell, layers): hidden size, parameters, and the mean and standard deviation
    over seeds of validation and test bpc, of the mixture with the n-gram, and of seconds per epoch."""
    rows = {}
    for run in result["runs"]:
        rows.setdefault((run.get("group", "budget"), run["cell"], run["layers"], run["hidden"]), []).append(run)
    out = []
    for (kind, cell, layers, _), group in rows.items():
        stat = lambda key: (float(np.mean([r[key] for r in group])),                   # noqa: E731
                            float(np.std([r[key] for r in group], ddof=1)) if len(group) > 1 else math.nan)
        out.append({"group": kind, "cell": cell, "layers": layers, "hidden": group[0]["hidden"],
                    "params": group[0]["params"], "epochs": group[0]["epochs"], "lr": group[0]["lr"],
                    "seeds": len(group), "val_bpc": stat("val_bpc"), "test_bpc": stat("test_bpc"),
                    "mix_test_bpc": stat("mix_test_bpc"),
                    "cpu_seconds_per_epoch": float(np.mean([np.mean(r["cpu_seconds_per_epoch"]) for r in group]))})
    return out


def markdown(result):
    """The sweep as a Markdown table: models (mean ± standard deviation over seeds) and baselines."""
    meta, cfg, data, base = result["meta"], result["config"], result["data"], result["baselines"]
    kn = base["kneser_ney"]
    lines = [f"# {result['title']}", "",
             f"Measured {meta['date']} with `{meta['command']}` in {meta['seconds']:.0f} s "
             f"(torch {meta['torch']}, NumPy {meta['numpy']}, Python {meta['python']}, "
             f"{meta['torch_threads']} torch thread of {meta['cpu_count']} CPUs; load average "
             f"{meta['load_average_at_start'][0]} at the start, {meta['load_average_at_end'][0]} at the end).", "",
             f"Training text {data['train_chars']:,} characters, validation {data['val_chars']:,}, test "
             f"{data['test_chars']:,} (split by position); {len(data['vocab'])} characters in the vocabulary. "
             f"The comparison: about {cfg['budget']:,} parameters per model, {cfg['epochs']} epoch(s); the larger LSTM: "
             f"H = {cfg['long_hidden']}, {cfg['long_epochs']} epochs. All: truncated BPTT "
             f"(k = {cfg['k']}, {cfg['batch']} columns), Adam with its learning rate decayed linearly to 0 (the rate "
             f"chosen per cell and depth from {', '.join(f'{lr:g}' for lr in cfg['lrs'])} by one epoch on the first "
             f"{cfg['lr_chars']:,} training characters), "
             f"gradient norm clipped at {cfg['clip']}, the epoch chosen on validation. Test bits per "
             "character are mean ± standard deviation over the seeds; \"with KN\" mixes the model's "
             "probabilities with the n-gram's, the weight chosen on validation. CPU seconds per epoch: the "
             "training process's CPU time (one thread), which leaves out what other programs took on a "
             "shared machine; the wall-clock times are in the JSON.", "",
             "| model | layers | H | parameters | learning rate | epochs | seeds | validation bpc | test bpc | test bpc with KN | CPU s per epoch |",
             "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for row in summary(result):
        pm = lambda pair: f"{pair[0]:.3f} ± {pair[1]:.3f}"                              # noqa: E731
        name = row["cell"] + (" (larger, longer)" if row["group"] == "long" else "")
        lines.append(f"| {name} | {row['layers']} | {row['hidden']} | {row['params']:,} | {row['lr']:g} | "
                     f"{row['epochs']} | {row['seeds']} | "
                     f"{pm(row['val_bpc'])} | {pm(row['test_bpc'])} | {pm(row['mix_test_bpc'])} | "
                     f"{row['cpu_seconds_per_epoch']:.1f} |")
    lines += [f"| unigram (add-one) | | | {len(data['vocab'])} | | | | {base['unigram']['val_bpc']:.3f} | "
              f"{base['unigram']['test_bpc']:.3f} | | |",
              f"| Kneser-Ney {kn['order']}-gram (n chosen on validation from 1-{cfg['orders']}) | | | | | | | "
              f"{kn['val_bpc']:.3f} | {kn['test_bpc']:.3f} | | |",
              f"| Kneser-Ney mixed with the unigram (the control for \"with KN\") | | | | | | | | "
              f"{base['kneser_ney_with_unigram']['test_bpc']:.3f} | | |", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()

"""The results as a markdown table and a plot: ``write`` makes stem.md and stem.png from a result dict."""
from pathlib import Path

from .cases import MODES


def markdown(result):
    """The result as a markdown page: how it was measured, then a table per device, dtype and mode."""
    meta, records = result["meta"], result["records"]
    lines = [f"# {result['title']}", "",
             f"Measured {meta['date']} with `{meta['command']}`", "", *_header(meta), "",
             "Each cell: the median over rounds of time / torch.nn's time in the same round, with the"
             " interquartile range in brackets; below 1 is faster than torch.nn. GEMM peak (GFLOP/s, one"
             " large matrix product): " + ", ".join(f"{k} {v:.0f}" for k, v in result["peak"].items()) + "."]
    impls = list(dict.fromkeys(r["impl"] for r in records if r["impl"] != "torch.nn"))
    for device, dtype in dict.fromkeys((r["device"], r["dtype"]) for r in records):
        rows = [r for r in records if (r["device"], r["dtype"]) == (device, dtype)]
        cols = [i for i in impls if any(r["impl"] == i for r in rows)]
        for mode in MODES:
            lines += ["", f"## {device}, {dtype}, {mode}", "",
                      "| size (T, B, I, H) | kind | torch.nn ms | torch.nn GFLOP/s | "
                      + " | ".join(cols) + " |", "|---|---|--:|--:|" + "--:|" * len(cols)]
            for size, kind in dict.fromkeys((r["size"], r["kind"]) for r in rows if r["mode"] == mode):
                cell = {r["impl"]: r for r in rows if (r["size"], r["kind"], r["mode"]) == (size, kind, mode)}
                ref = cell["torch.nn"]
                lines.append(f"| {size} {ref['T'], ref['B'], ref['I'], ref['H']} | {kind} | "
                             f"{ref['median_s'] * 1e3:.2f} | {ref['gflops_per_s']:.1f} | " + " | ".join(
                                 f"{cell[i]['ratio']:.2f} [{cell[i]['ratio_q25']:.2f}, {cell[i]['ratio_q75']:.2f}]"
                                 if i in cell else "" for i in cols) + " |")
    if result.get("compile_seconds"):
        lines += ["", "## torch.compile: seconds until the first call returns (compilation included)", "",
                  "| T | what | forward | forward+backward |", "|--:|---|--:|--:|"]
        lines += [f"| {r['T']} | {r['what']} | {r['forward']:.1f} | {r['forward+backward']:.1f} |"
                  for r in result["compile_seconds"]]
    return "\n".join(lines) + "\n"


def _header(meta):
    """Versions and machine; the threads of torch, of the BLAS libraries and of seqlearn.numpy; the load."""
    torch_threads = f"torch {meta['torch_threads']} intra-op"
    if "torch_parallel_backend" in meta:          # not in results written before it was recorded
        torch_threads += (f", {meta['torch_interop_threads']} inter-op, ATen parallel backend"
                          f" {meta['torch_parallel_backend']}")
    lines = [f"torch {meta['torch']}, NumPy {meta['numpy']}, Python {meta['python']}; {meta['cpu']}"
             f" ({meta['cpu_count']} CPUs), {meta['clock']} clock.",
             f"Threads: {torch_threads} ({meta['torch_backends']}); the BLAS and OpenMP thread pools of the"
             f" process that runs torch: {'; '.join(meta['blas'])}."]
    if "numpy_timing" in meta:
        lines.append(f"seqlearn.numpy's timing: {meta['numpy_timing']}"
                     + (f"; its thread pools: {'; '.join(meta['numpy_worker']['blas'])}." if "numpy_worker" in meta
                        else "."))
    lines.append(f"Load average (1, 5, 15 min) at start {meta['load_average_at_start']}, at end"
                 f" {meta['load_average_at_end']}; the run took {meta['seconds']} s."
                 + (f" GPU: {meta['gpu']}, cuDNN {meta['cudnn']}, float32 precision {meta['fp32_precision']}."
                    if "gpu" in meta else ""))
    return lines


def plot(result, path):
    """Bars of the median ratio per size and kind, one panel per mode and implementation."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

    from ..plotting import PALETTE, use_book_style
    use_book_style()
    records = result["records"]
    series = list(dict.fromkeys((r["impl"], r["dtype"]) for r in records if r["impl"] != "torch.nn"))
    sizes = list(dict.fromkeys(r["size"] for r in records))
    kinds = list(dict.fromkeys(r["kind"] for r in records))
    fig, axes = plt.subplots(len(series), 2, figsize=(11, 2.6 * len(series) + 0.6), squeeze=False, sharey=True)
    width = 0.8 / len(kinds)
    for row, (impl, dtype) in enumerate(series):
        for col, mode in enumerate(MODES):
            ax = axes[row, col]
            for k, kind in enumerate(kinds):
                got = {r["size"]: r for r in records
                       if (r["impl"], r["dtype"], r["kind"], r["mode"]) == (impl, dtype, kind, mode)}
                xs = [j + (k - (len(kinds) - 1) / 2) * width for j, s in enumerate(sizes) if s in got]
                ys = [got[s]["ratio"] for s in sizes if s in got]
                err = [[got[s]["ratio"] - got[s]["ratio_q25"] for s in sizes if s in got],
                       [got[s]["ratio_q75"] - got[s]["ratio"] for s in sizes if s in got]]
                ax.bar(xs, ys, width, yerr=err, color=PALETTE[k % len(PALETTE)], label=kind, capsize=2)
            ax.axhline(1.0, color="black", lw=1)
            ax.set_yscale("log")
            ax.yaxis.set_major_locator(FixedLocator([0.25, 0.5, 1, 2, 4, 8, 16]))
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
            ax.yaxis.set_minor_formatter(NullFormatter())
            ax.set_xticks(range(len(sizes)), sizes)
            ax.set_title(f"{impl} ({dtype}), {mode}", fontsize=10)
            if col == 0:
                ax.set_ylabel("time / torch.nn time")
    axes[0, 0].legend(ncol=len(kinds), fontsize=8, loc="upper right")
    fig.suptitle(f"{result['title']}: ratio to torch.nn in the same rounds (1 = as fast; bars: IQR)",
                 fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_ladder(result, path):
    """Horizontal bars: each variant's ratio to torch.nn, one panel per kind and mode."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..plotting import PALETTE, use_book_style
    use_book_style()
    records = result["records"]
    panels = list(dict.fromkeys((r["size"], r["kind"]) for r in records))
    heights = [len({r["impl"] for r in records if (r["size"], r["kind"]) == pk}) for pk in panels]
    fig, axes = plt.subplots(len(panels), 2, figsize=(11, 0.35 * sum(heights) + 1.2 * len(panels)),
                             squeeze=False, gridspec_kw={"height_ratios": heights})
    for row, (size, kind) in enumerate(panels):
        for col, mode in enumerate(MODES):
            ax = axes[row, col]
            got = [r for r in records if (r["size"], r["kind"], r["mode"]) == (size, kind, mode)]
            ys = range(len(got))[::-1]
            ax.barh(ys, [r["ratio"] for r in got], color=[PALETTE[1] if r["impl"] == "torch.nn" else
                    PALETTE[0] if r["impl"] == "seqlearn.torch" else PALETTE[2] for r in got],
                    xerr=[[r["ratio"] - r["ratio_q25"] for r in got], [r["ratio_q75"] - r["ratio"] for r in got]])
            for y, r in zip(ys, got):
                ax.text(r["ratio_q75"] + 0.05, y, f"{r['ratio']:.2f}", va="center", fontsize=8)
            ax.set_yticks(list(ys), [r["impl"] for r in got], fontsize=9)
            ax.set_xlim(0, 1.15 * max(r["ratio_q75"] for r in got) + 0.2)
            ax.axvline(1.0, color="black", lw=1)
            ax.set_xlabel("time / torch.nn time")
            ax.set_title(f"{kind} {size} {got[0]['T'], got[0]['B'], got[0]['I'], got[0]['H']}, {mode}", fontsize=10)
    fig.suptitle(f"{result['title']}: median ratio to torch.nn over interleaved rounds (bars: IQR)", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write(result, stem, ladder):
    """The markdown table and the plot of ``result``, as stem.md and stem.png."""
    Path(f"{stem}.md").write_text(markdown(result))
    (plot_ladder if ladder else plot)(result, Path(f"{stem}.png"))

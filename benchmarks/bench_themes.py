"""Benchmarks of the themes analysis: agreement with human coders and speed.

    .venv/bin/python benchmarks/bench_themes.py agreement [--engine core|semantic] [--runs 3]
    .venv/bin/python benchmarks/bench_themes.py sets [--engine both] [--baseline] [--at-key] [--seed 1]
    .venv/bin/python benchmarks/bench_themes.py speed [--engine core] [--sizes 1000,10000,100000]

Agreement: the NHS patient-feedback development set (../shared/datasets/nhs-patient-feedback,
read in place), each answer's primary theme against `label` (9) and `subcategory` (44),
beside a plain TF-IDF + NMF baseline (scikit-learn defaults, English stop words, k = number
of labels) and, for the semantic engine, plain MiniLM + k-means (k = number of labels).
Speed: wall time of `theme_answers` (model load included) on sets synthesised from the NHS
texts: each synthetic answer is a random NHS answer, half of them followed by a random
clause of another answer, so most are distinct (resampling alone would make the sets
mostly duplicates, which the engines process once). Peak memory is the process's maximum
resident set size. Prints figures; medians over --runs. For the semantic engine the model
load is timed in every run (the ONNX export, made once into the cache folder, is not).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# shared/ sits beside the checkout (or beside the folder of worktrees holding it).
NHS = next(
    (
        folder / "shared" / "datasets" / "nhs-patient-feedback" / "text_data.csv"
        for folder in ROOT.parents
        if (folder / "shared" / "datasets").is_dir()
    ),
    ROOT.parent / "shared" / "datasets" / "nhs-patient-feedback" / "text_data.csv",
)


def nhs() -> pd.DataFrame:
    if not NHS.exists():
        sys.exit(f"development set not found: {NHS}")
    return pd.read_csv(NHS, dtype=str, keep_default_na=False)


def answers_of(texts: list[str]) -> pd.DataFrame:
    ids = [f"r{i}" for i in range(len(texts))]
    return pd.DataFrame({"response_id": ids, "question_id": "q1", "text": texts})


def baseline_nmf(texts: list[str], k: int) -> np.ndarray:
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    matrix = TfidfVectorizer(stop_words="english", min_df=2).fit_transform(texts)
    return NMF(k, init="nndsvd", random_state=0, max_iter=300).fit_transform(matrix).argmax(axis=1)


def baseline_minilm(texts: list[str], k: int) -> np.ndarray:
    from sklearn.cluster import KMeans

    from analysis.themes.semantic import SemanticEngine, _model

    embedded = _model(SemanticEngine().model_name).encode(texts, batch_size=64, normalize_embeddings=True)
    return KMeans(k, random_state=0, n_init=3).fit_predict(embedded)


def agreement_run(engine: str, runs: int) -> None:
    from analysis.themes import ThemeOptions, theme_answers
    from analysis.themes.evaluation import agreement, primary_themes

    data = nhs()
    texts = data["feedback"].tolist()
    answers = answers_of(texts)
    print(f"NHS patient feedback: {len(texts)} rows; engine {engine}; {runs} run(s)")
    times, results = [], []
    for _ in range(runs):
        start = time.perf_counter()
        report = theme_answers(answers, ThemeOptions(engine=engine))  # type: ignore[arg-type]
        times.append(time.perf_counter() - start)
        results.append(primary_themes(answers, report.assignments))
    same = all(r.equals(results[0]) for r in results)
    predicted = results[0]
    print(
        f"  time median {statistics.median(times):.1f} s; runs identical: {same}; "
        f"groups {predicted.nunique()}"
    )
    for column in ("label", "subcategory"):
        s = agreement(predicted, data[column])
        print(
            f"  {engine:8s} {column:12s} NMI {s['nmi']:.3f}  ARI {s['ari']:.3f}  "
            f"F1 macro {s['f1_macro']:.3f}  weighted {s['f1_weighted']:.3f}"
        )
    baselines = [("tfidf+nmf", baseline_nmf)]
    if engine == "semantic":
        baselines.append(("minilm+km", baseline_minilm))
    keep = data["feedback"].str.strip() != ""
    for name, fn in baselines:
        for column in ("label", "subcategory"):
            k = data[column].nunique()
            pred = pd.Series("(blank)", index=data.index)
            pred[keep] = [str(x) for x in fn(data.loc[keep, "feedback"].tolist(), k)]
            s = agreement(pred, data[column])
            print(
                f"  {name:8s} {column:12s} NMI {s['nmi']:.3f}  ARI {s['ari']:.3f}  "
                f"F1 macro {s['f1_macro']:.3f}  weighted {s['f1_weighted']:.3f}  (k={k})"
            )


def coded_sets() -> list[tuple[str, pd.DataFrame]]:
    """The human-coded sets: the whole NHS file, and each trust's answers on their own."""
    data = nhs()
    sets = [("NHS, all trusts", data)]
    for trust in sorted(data["organization"].unique()):
        sets.append((trust, data[data["organization"] == trust].reset_index(drop=True)))
    return sets


def sets_run(engines: list[str], baseline: bool, at_key: bool = False) -> None:
    """NMI (label, subcategory) and label words in answers, per coded set and engine.

    `baseline`: also plain MiniLM + k-means at the answer key's number of labels and of
    subcategories; `at_key`: also each engine told that number of themes (--min-themes =
    --max-themes), the same number the baseline is given."""
    from analysis.themes import ThemeOptions, theme_answers
    from analysis.themes.evaluation import agreement, coverage_summary, label_coverage, primary_themes

    print(
        "set, method: NMI label / subcategory; themes >= 10 answers: with label words in half or more; "
        "under a quarter; lowest share"
    )
    for name, data in coded_sets():
        answers = answers_of(data["feedback"].tolist())
        for engine in engines:
            start = time.perf_counter()
            report = theme_answers(answers, ThemeOptions(engine=engine))  # type: ignore[arg-type]
            took = time.perf_counter() - start
            predicted = primary_themes(answers, report.assignments)
            nmi = [agreement(predicted, data[c])["nmi"] for c in ("label", "subcategory")]
            cover = coverage_summary(label_coverage(report.themes, report.assignments, answers))
            print(
                f"  {name:16s} {engine:9s} NMI {nmi[0]:.3f} / {nmi[1]:.3f}  themes {predicted.nunique():3d}  "
                f"labels {cover['half_or_more']}/{cover['themes']} >= half, "
                f"{cover['under_quarter']} < quarter, lowest {cover['lowest']:.2f}  ({took:.0f} s)",
                flush=True,
            )
        if baseline:
            keep = data["feedback"].str.strip() != ""
            for column in ("label", "subcategory"):
                k = data.loc[keep, column].nunique()
                pred = pd.Series("(blank)", index=data.index)
                pred[keep] = [str(x) for x in baseline_minilm(data.loc[keep, "feedback"].tolist(), k)]
                nmi = agreement(pred, data[column])["nmi"]
                print(f"  {name:16s} minilm+km {column:12s} NMI {nmi:.3f} (k={k})", flush=True)
        if at_key:
            keep = data["feedback"].str.strip() != ""
            for engine in engines:
                for column in ("label", "subcategory"):
                    k = data.loc[keep, column].nunique()
                    options = ThemeOptions(engine=engine, min_themes=k, max_themes=k)  # type: ignore[arg-type]
                    report = theme_answers(answers, options)
                    predicted = primary_themes(answers, report.assignments)
                    nmi = agreement(predicted, data[column])["nmi"]
                    print(
                        f"  {name:16s} {engine:9s} {column:12s} NMI {nmi:.3f} (asked for k={k}; "
                        f"{predicted.nunique()} groups)",
                        flush=True,
                    )


def synthesise(texts: list[str], size: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    pool = [t for t in texts if t.strip()]
    first = rng.integers(0, len(pool), size)
    second = rng.integers(0, len(pool), size)
    extend = rng.random(size) < 0.5
    out = []
    for a, b, e in zip(first, second, extend, strict=True):
        text = pool[a]
        if e:
            clause = pool[b].split(".")[0].strip()
            text = f"{text.rstrip('. ')}. {clause}." if clause else text
        out.append(text)
    return out


def speed_run(engine: str, sizes: list[int], runs: int) -> None:
    from analysis.themes import ThemeOptions, theme_answers

    texts = nhs()["feedback"].tolist()
    print(f"speed, engine {engine}: size, distinct answers, median wall time over {runs} run(s)")
    for size in sizes:
        answers = answers_of(synthesise(texts, size))
        times, cpu = [], []  # CPU seconds (all threads) tell the work apart from others' load
        for _ in range(runs):
            if engine == "semantic":  # model load included in every timed run
                from analysis.themes.semantic import _model, _onnx_backend

                _model.cache_clear()
                _onnx_backend.cache_clear()  # the ONNX export stays on disk (made once, ~6 s)
            start, cpu_start = time.perf_counter(), time.process_time()
            theme_answers(answers, ThemeOptions(engine=engine))  # type: ignore[arg-type]
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - cpu_start)
        distinct = answers["text"].nunique()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
        print(
            f"  {size:>7,d} answers ({distinct:,d} distinct): {statistics.median(times):6.1f} s  "
            f"(runs {', '.join(f'{t:.1f}' for t in times)}; CPU {statistics.median(cpu):.1f} s); "
            f"peak RSS so far {peak:.2f} GiB; "
            f"load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )


def fingerprint(engine: str) -> None:
    """SHA-256 of the JSON report on the NHS set: run twice, in separate processes, to compare."""
    import hashlib
    import io

    from analysis.themes import ThemeOptions, theme_answers, write_report

    out = io.StringIO()
    write_report(
        theme_answers(answers_of(nhs()["feedback"].tolist()), ThemeOptions(engine=engine)), "json", out
    )  # type: ignore[arg-type]
    print(f"{engine} JSON sha256 {hashlib.sha256(out.getvalue().encode()).hexdigest()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["agreement", "sets", "speed", "fingerprint"])
    parser.add_argument("--baseline", action="store_true", help="sets: also plain MiniLM + k-means")
    parser.add_argument(
        "--at-key", action="store_true", help="sets: also each engine at the answer key's number of themes"
    )
    parser.add_argument("--engine", choices=["core", "semantic", "both", "none"], default="core")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0, help="sets: the k-means seed (the engines' own is 0)")
    parser.add_argument("--sizes", default="1000,10000,100000")
    args = parser.parse_args()
    if args.what == "sets":
        engines = {"both": ["core", "semantic"], "none": []}.get(args.engine, [args.engine])
        from analysis.themes import clustering

        clustering.SEED = args.seed  # how far NMI moves with the seed alone
        sets_run(engines, args.baseline, args.at_key)
    elif args.what == "agreement":
        agreement_run(args.engine, args.runs)
    elif args.what == "fingerprint":
        fingerprint(args.engine)
    else:
        speed_run(args.engine, [int(s) for s in args.sizes.split(",")], args.runs)


if __name__ == "__main__":
    main()

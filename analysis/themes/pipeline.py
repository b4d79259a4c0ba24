"""From answers to themes: the steps shared by both engines."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np
import pandas as pd

from analysis.themes.campaigns import find_campaigns
from analysis.themes.clustering import OTHER, Clusters, cluster
from analysis.themes.coherence import coherent_themes, label_word_ok
from analysis.themes.describe import key_terms, label_phrase, pick_quotes, surface_forms, word_casing
from analysis.themes.grouping import Grouping
from analysis.themes.model import THEME_COLUMNS, ThemeOptions, ThemeReport, ThemesError
from analysis.themes.public_names import redact_label, redact_names
from analysis.themes.redaction import redact
from analysis.themes.sentiment import sentiment, sentiment_shares
from analysis.themes.text import STOP_WORDS, clean_text, is_non_answer, normalised_key, stem, words
from analysis.themes.welsh import NOTE as WELSH_NOTE
from analysis.themes.welsh import set_apart_welsh, split_welsh

__all__ = ["Engine", "engine_for", "theme_answers"]

Progress = Callable[[str], None]
_SEGMENT = re.compile(r"[.!?;:,()\n\r\t\[\]\"]+|\s-\s")
_LABEL_SAMPLE = 1_000


class Engine(Protocol):
    """Turns distinct answers into unit vectors (rows of zeros: nothing to go on).

    `grouping`: how its vectors are best grouped (`grouping.ENGINE_GROUPING`).
    """

    name: str
    grouping: Grouping

    def vectors(self, texts: list[str], tokens: list[list[str]]) -> np.ndarray: ...


def engine_for(options: ThemeOptions) -> Engine:
    """The engine named in `options` (the semantic one is imported only when asked for)."""
    if options.engine == "semantic":
        from analysis.themes.semantic import SemanticEngine

        return SemanticEngine(options.model)
    from analysis.themes.core import CoreEngine

    return CoreEngine()


def _question_order(question_id: str) -> tuple[int, str]:
    digits = re.sub(r"\D", "", question_id)
    return (int(digits) if digits else 10**9, question_id)


def theme_answers(
    answers: pd.DataFrame,
    options: ThemeOptions | None = None,
    *,
    question_text: dict[str, str] | None = None,
    progress: Progress | None = None,
    engine: Engine | None = None,
) -> ThemeReport:
    """Find themes in free-text answers, question by question.

    `answers` has one row per answer with the columns `response_id`, `question_id`,
    `text` and optionally `status` ("submitted" or "draft"; missing means submitted).
    Returns a `ThemeReport` (see its docstring for the columns of each table); answers not
    themed are in its `excluded` table with the reason, never dropped silently.
    """
    options = options or ThemeOptions()
    missing = {"response_id", "question_id", "text"} - set(answers.columns)
    if missing:
        raise ThemesError(f"answers lack the column(s) {', '.join(sorted(missing))}")
    say = progress or (lambda _message: None)
    engine = engine or engine_for(options)
    frame = answers.reset_index(drop=True)
    status = frame["status"] if "status" in frame else pd.Series("submitted", index=frame.index)
    frame = pd.DataFrame(
        {
            "response_id": frame["response_id"].astype(str),
            "question_id": frame["question_id"].astype(str),
            "text": [redact(clean_text(v)) for v in frame["text"]],
            "submitted": status.fillna("submitted").astype(str).str.lower().eq("submitted").to_numpy(),
        }
    )
    parts: dict[str, list[pd.DataFrame]] = {"questions": [], "themes": [], "assignments": [], "campaigns": []}
    excluded: list[pd.DataFrame] = []
    found_welsh = False
    for question_id in sorted(frame["question_id"].unique(), key=_question_order):
        # Answers in Welsh are set apart, never themed with English ones as noise.
        group, welsh = split_welsh(frame[frame["question_id"] == question_id])
        say(f"{question_id}: {len(group) + len(welsh):,} answers")
        result = _one_question(group, question_id, options, engine, say)
        result = set_apart_welsh(result, welsh, question_id, options.include_drafts)
        found_welsh = found_welsh or not welsh.empty
        result["questions"]["question_text"] = (question_text or {}).get(question_id, "")
        for name in parts:
            parts[name].append(result[name])
        excluded.append(result["excluded"])
    tables = {
        name: pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        for name, frames in parts.items()
    }
    return ThemeReport(
        options=options,
        questions=tables["questions"],
        themes=tables["themes"],
        assignments=tables["assignments"],
        excluded=pd.concat(excluded, ignore_index=True)
        if excluded
        else pd.DataFrame(columns=["response_id", "question_id", "reason", "text"]),
        campaigns=tables["campaigns"],
        notes=[WELSH_NOTE] if found_welsh else [],
    )


def _one_question(
    group: pd.DataFrame, question_id: str, options: ThemeOptions, engine: Engine, say: Progress
) -> dict[str, pd.DataFrame]:
    keys = group["text"].map(normalised_key)
    no_answer = group["text"].map(is_non_answer).astype(bool) | keys.eq("")
    draft = ~group["submitted"] & ~no_answer & (not options.include_drafts)
    reasons = pd.Series(np.where(no_answer, "no answer", "draft"), index=group.index)[no_answer | draft]
    excluded = group.loc[reasons.index, ["response_id", "question_id", "text"]].assign(reason=reasons)
    work = group[~(no_answer | draft)].assign(key=keys[~(no_answer | draft)])
    campaigns = find_campaigns(work[["question_id", "key"]])["campaign_id"]
    work = work.assign(campaign_id=campaigns)
    in_campaign = work["campaign_id"].notna()
    if options.campaigns == "once":
        work["unit"] = np.where(in_campaign, work["campaign_id"], "a" + work.index.astype(str))
        sizes = work["campaign_id"].map(work["campaign_id"].value_counts())
        work["weight"] = np.where(in_campaign, 1.0 / sizes.fillna(1.0), 1.0)
    else:
        work["unit"] = "a" + work.index.astype(str)
        work["weight"] = 1.0
    base = int(work["unit"].nunique())

    distinct = work.drop_duplicates("key")
    doc_of_key = {k: i for i, k in enumerate(distinct["key"])}
    work["doc"] = work["key"].map(doc_of_key)
    doc_texts = distinct["text"].tolist()
    doc_segments = [[ws for seg in _SEGMENT.split(t) if (ws := words(seg))] for t in doc_texts]
    doc_words = [[w for ws in segments for w in ws] for segments in doc_segments]
    doc_tokens = [
        [stem(w) for w in ws if len(w) > 1 and w not in STOP_WORDS and w not in _PLACEHOLDER_WORDS]
        for ws in doc_words
    ]
    doc_weights = work.groupby("doc")["weight"].sum().reindex(range(len(distinct)), fill_value=0).to_numpy()
    say(f"{question_id}: {len(distinct):,} distinct answers; {engine.name} engine vectors")
    vectors = engine.vectors(doc_texts, doc_tokens) if len(distinct) else np.zeros((0, 1))
    vectors = _campaigns_as_one(vectors, distinct["campaign_id"].to_numpy())
    say(f"{question_id}: grouping into themes")
    grouping = engine.grouping
    clusters = cluster(
        vectors,
        doc_weights,
        min_themes=options.min_themes,
        max_themes=max(options.min_themes, grouping.max_themes)
        if options.max_themes is None
        else options.max_themes,
        min_share=grouping.min_share if options.min_share is None else options.min_share,
        per_theme=grouping.per_theme,
        neighbours=grouping.neighbours,
        spherical=grouping.spherical,
    )
    say(f"{question_id}: labels, quotes and sentiment")
    casing = word_casing(work["text"])
    label_words = [frozenset(w for w in ws if label_word_ok(w, casing)) for ws in doc_words]
    copies = work.groupby("doc").size().reindex(range(len(distinct)), fill_value=0).to_numpy(dtype=float)
    coherent = coherent_themes(
        clusters, label_words, doc_weights, {w: stem(w) for ws in label_words for w in ws}, copies
    )
    clusters = coherent.clusters
    work["sentiment"] = sentiment(work["text"])
    themes = _describe(
        work, clusters, coherent.words, doc_segments, doc_tokens, doc_weights, question_id, base, casing
    )

    rows = []
    members = clusters.members[work["doc"].to_numpy()] if clusters.k else np.zeros((len(work), 0), bool)
    primary = clusters.primary[work["doc"].to_numpy()] if len(work) else np.zeros(0, int)
    ids = themes.attrs["ids"]
    for pos, (rid, sent) in enumerate(zip(work["response_id"], work["sentiment"], strict=True)):
        if primary[pos] == OTHER:
            rows.append((rid, question_id, f"{question_id}-other", True, sent))
            continue
        rows.append((rid, question_id, ids[primary[pos]], True, sent))
        rows.extend(
            (rid, question_id, ids[j], False, sent) for j in np.flatnonzero(members[pos]) if j != primary[pos]
        )
    assignments = pd.DataFrame(
        rows, columns=["response_id", "question_id", "theme_id", "primary", "sentiment"]
    )
    theme_of = pd.Series(
        [f"{question_id}-other" if p == OTHER else ids[p] for p in primary], index=work.index, dtype=object
    )
    campaign_table = (
        work[in_campaign]
        .assign(theme_id=theme_of[in_campaign])
        .groupby("campaign_id", sort=True)
        .agg(size=("text", "size"), text=("text", "first"), theme_id=("theme_id", "first"))
        .reset_index()
        .assign(question_id=question_id)[["question_id", "campaign_id", "size", "text", "theme_id"]]
    )
    campaign_table["text"] = campaign_table["text"].map(redact_names)
    questions = pd.DataFrame(
        [
            {
                "question_id": question_id,
                "answers": len(group),
                "no_answer": int(no_answer.sum()),
                "drafts": int(draft.sum()),
                "base": base,
                "themed": int((primary != OTHER).sum()),
                "other": int((primary == OTHER).sum()),
                "campaigns": len(campaign_table),
                "campaign_answers": int(in_campaign.sum()),
            }
        ]
    )
    return {
        "questions": questions,
        "themes": themes,
        "assignments": assignments,
        "excluded": excluded[["response_id", "question_id", "reason", "text"]],
        "campaigns": campaign_table,
    }


_PLACEHOLDER_WORDS = frozenset({"email", "phone", "postcode", "url"})
OTHER_LABEL = "Other answers (fit no theme)"
# A key term is used by at least this share of its theme's answers: not a rare word.
_TERM_SHARE = 0.05


def _campaigns_as_one(vectors: np.ndarray, campaign_ids: np.ndarray) -> np.ndarray:
    """Every answer of a campaign takes the campaign's mean vector, so a campaign is grouped
    as one answer (of its size): never split over themes, never two themes of copies."""
    if not len(vectors) or not pd.notna(campaign_ids).any():
        return vectors
    out = vectors.copy()
    frame = pd.Series(campaign_ids)
    for _, rows in frame[frame.notna()].groupby(frame[frame.notna()]).groups.items():
        rows = np.asarray(rows)
        mean = vectors[rows].mean(axis=0)
        norm = float(np.linalg.norm(mean))
        out[rows] = mean / norm if norm > 0 else mean
    return out


def _describe(
    work: pd.DataFrame,
    clusters: Clusters,
    theme_words: list[list[str]],
    doc_segments: list[list[list[str]]],
    doc_tokens: list[list[str]],
    doc_weights: np.ndarray,
    question_id: str,
    base: int,
    casing: dict[str, str],
) -> pd.DataFrame:
    columns = THEME_COLUMNS
    surface = surface_forms([ws for segs in doc_segments for ws in segs])
    stems_all: Counter[str] = Counter()
    for toks, w in zip(doc_tokens, doc_weights, strict=True):
        for s in set(toks):
            stems_all[s] += w
    n_all = float(doc_weights.sum())
    docs = work["doc"].to_numpy()
    quotable = work["submitted"].to_numpy()
    campaign = work["campaign_id"].to_numpy()
    doc_stems = [frozenset(toks) for toks in doc_tokens]
    found = []
    for j in range(clusters.k):
        answer_mask = clusters.members[docs, j]
        if not answer_mask.any():
            continue
        theme_docs = np.flatnonzero(clusters.members[:, j])
        stems_in: Counter[str] = Counter()
        for d in theme_docs:
            for s in set(doc_tokens[d]):
                stems_in[s] += doc_weights[d]
        n_in = float(doc_weights[theme_docs].sum())
        terms = key_terms(
            stems_in,
            stems_all,
            n_in,
            n_all,
            surface,
            casing=casing,
            min_share=_TERM_SHARE,
            eligible=lambda word: label_word_ok(word, casing),
        )
        central = theme_docs[np.argsort(-clusters.similarity[theme_docs, j], kind="stable")]
        label_docs: list[list[list[str]]] = []
        for d in central:
            label_docs.extend([doc_segments[d]] * max(1, min(round(doc_weights[d]), 20)))
            if len(label_docs) >= _LABEL_SAMPLE:
                break
        sizes = pd.Series(campaign[answer_mask]).value_counts()
        campaign_size = int(sizes.iloc[0]) if len(sizes) else 0
        mostly_campaign = campaign_size * 2 >= int(answer_mask.sum())
        if mostly_campaign:
            # Mostly one campaign: its own opening words say what it is about.
            label = _opening_words(work["text"][answer_mask & (campaign == sizes.index[0])], casing)
        else:
            label = label_phrase(theme_words[j], label_docs, casing) or _first_terms(terms)
        primary_mask = clusters.primary[docs] == j
        closeness = clusters.similarity[docs, j]
        quote_mask = primary_mask & quotable
        if mostly_campaign and quote_mask.any():
            # Beside the campaign's own text, only answers using two of its label's words (or
            # all, if it has fewer): an answer that joined the theme only because it was
            # nearer the campaign than any other theme ("the bandages cut into her" beside
            # "Stop the cuts to council funding") is not what the theme says.
            label_stems = {stem(w) for w in words(label) if w not in STOP_WORDS}
            needed = min(2, len(label_stems))
            on_topic = np.fromiter(
                (len(label_stems & doc_stems[d]) >= needed for d in docs), bool, count=len(docs)
            )
            quote_mask &= on_topic | (campaign == sizes.index[0])
        row = _theme_row(work, answer_mask, quote_mask, closeness, label, terms, base)
        row["campaign_size"] = campaign_size
        found.append(row | {"_j": j})
    found.sort(key=lambda r: (-r["count"], r["_j"]))
    used: set[str] = set()
    for n, row in enumerate(found, start=1):
        label = row["label"]
        if label in used:
            label = f"{label} ({', '.join(row['terms'][:2])})"
        used.add(label)
        row["label"] = label
        row["theme_id"] = f"{question_id}-t{n:02d}"
    ids = {row.pop("_j"): row["theme_id"] for row in found}
    other_mask = clusters.primary[docs] == OTHER if len(docs) else np.zeros(0, bool)
    if other_mask.any():
        other = _theme_row(
            work,
            other_mask,
            other_mask & quotable,
            np.zeros(len(work)),
            OTHER_LABEL,
            [],
            base,
        )
        other["theme_id"] = f"{question_id}-other"
        other["campaign_size"] = 0
        found.append(other)
    table = pd.DataFrame([{"question_id": question_id, **row} for row in found], columns=columns)
    table.attrs["ids"] = ids
    return table


def _opening_words(texts: pd.Series, casing: dict[str, str], most: int = 6) -> str:
    """The first words of a campaign's commonest wording, ending on a content word."""
    shown = [w for w in words(_SEGMENT.split(texts.value_counts().index[0].strip())[0])][:most]
    while shown and (shown[-1] in STOP_WORDS or len(shown[-1]) < 2):
        shown.pop()
    label = " ".join(casing.get(w, w) for w in shown)
    return label[:1].upper() + label[1:]


def _first_terms(terms: list[str]) -> str:
    label = ", ".join(terms[:2]) or "Mixed answers"
    return label[:1].upper() + label[1:]


def _theme_row(
    work: pd.DataFrame,
    answer_mask: np.ndarray,
    quote_mask: np.ndarray,
    closeness: np.ndarray,
    label: str,
    terms: list[str],
    base: int,
) -> dict[str, Any]:
    """Count, share, quotes and sentiment of the answers in `answer_mask`."""
    count = int(
        work["unit"].to_numpy()[answer_mask].size and pd.unique(work["unit"].to_numpy()[answer_mask]).size
    )
    candidates = np.flatnonzero(quote_mask)
    # One quote at most from a campaign: its copies say the same thing.
    keys = work["campaign_id"].fillna(work["key"]).to_numpy()
    quotes = pick_quotes(
        work["text"].to_numpy()[candidates].tolist(),
        keys[candidates].tolist(),
        closeness[candidates],
        np.ones(candidates.size, bool),
        work["response_id"].to_numpy()[candidates].tolist(),
    )
    return {
        "theme_id": "",
        # Labels and key terms are published too: no council, public body or person in them.
        "label": redact_label(label),
        "terms": [term for term in terms if redact_label(term) == term],
        "count": count,
        "share": round(count / base, 4) if base else 0.0,
        # Quotes are published: names of councils, public bodies and people are taken out.
        "quotes": [redact_names(q) for q in quotes],
        **sentiment_shares(work["sentiment"][answer_mask]),
    }

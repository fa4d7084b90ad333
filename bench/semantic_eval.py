"""Offline evaluator for the semantic layer's choices: recall@10 and MRR@10 on the Stack Exchange
dumps' duplicate pairs (PostLinks LinkTypeId 3), the duplicate's title asking for its original,
without importing anything into the app. Prints one line per ranking strategy.

    .venv/bin/python bench/semantic_eval.py [--data ../shared/data/stackexchange] [--body]

Lexical ranks come from the real Whoosh backend (search.whoosh_backend) in a temporary folder;
vectors from the real encoder (cached under /tmp between runs).
"""
import argparse
import hashlib
import sys
import tempfile
import xml.etree.ElementTree as ET
from datetime import datetime, UTC
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from search.backend import ThreadDoc  # noqa: E402
from search.documents import plain_text  # noqa: E402
from search.semantic import get_encoder, limit_threads, model_path, DEFAULT_MODEL  # noqa: E402,F401
from search.semantic.fusion import reciprocal_rank_fusion  # noqa: E402


def load_site(folder: Path):
    questions, answers, accepted = {}, {}, {}
    for _, row in ET.iterparse(folder / "Posts.xml"):
        if row.tag != "row":
            continue
        a = row.attrib
        if a.get("PostTypeId") == "1":
            tags = a.get("Tags", "").replace("|", " ").replace("<", " ").replace(">", " ").split()
            questions[int(a["Id"])] = (a.get("Title", ""), plain_text(a.get("Body", "")), tags)
            if a.get("AcceptedAnswerId"):
                accepted[int(a["Id"])] = int(a["AcceptedAnswerId"])
        elif a.get("PostTypeId") == "2":
            answers.setdefault(int(a["ParentId"]), []).append((int(a["Id"]),
                                                                plain_text(a.get("Body", ""))))
        row.clear()
    pairs = []
    for _, row in ET.iterparse(folder / "PostLinks.xml"):
        a = row.attrib
        if row.tag == "row" and a.get("LinkTypeId") == "3":
            dup, orig = int(a["PostId"]), int(a["RelatedPostId"])
            if dup in questions and orig in questions and dup != orig:
                pairs.append((dup, orig))
    return questions, answers, accepted, sorted(set(pairs))


def docs_of(questions, answers) -> list[ThreadDoc]:
    now = datetime.now(UTC)
    return [ThreadDoc(qid, title, body, "\n".join(t for _, t in answers.get(qid, ())),
                      tuple(tags), "site", "open", len(answers.get(qid, ())), 0, now, now)
            for qid, (title, body, tags) in questions.items()]


def embed_cached(encoder, texts: list[str], label: str) -> np.ndarray:
    digest = hashlib.blake2b("\x1e".join(texts).encode(), digest_size=8).hexdigest()
    cache = Path(tempfile.gettempdir()) / f"semantic_eval_{label}_{digest}.npy"
    if cache.exists():
        return np.load(cache)
    vectors = encoder.encode(texts)
    np.save(cache, vectors)
    return vectors


def metrics(rankings: list[list[int]], targets: list[int]) -> tuple[float, float]:
    hits, rr = 0, 0.0
    for ranking, target in zip(rankings, targets):
        top = ranking[:10]
        if target in top:
            hits += 1
            rr += 1.0 / (top.index(target) + 1)
    return hits / len(targets), rr / len(targets)


def vector_scores(matrices, queries, ids, exclude: int, limit=50) -> list[tuple[int, float]]:
    """Max-sim over (query vector, thread vector) pairs."""
    best = None
    for q in queries:
        for m in matrices:
            s = m @ q
            best = s if best is None else np.maximum(best, s)
    order = np.argsort(-best)
    return [(ids[i], float(best[i])) for i in order if ids[i] != exclude][:limit]


def vector_rank(matrices, queries, ids, exclude: int, limit=50) -> list[int]:
    return [t for t, _ in vector_scores(matrices, queries, ids, exclude, limit)]


def combsum(lists: list[list[tuple[int, float]]], normalise) -> list[int]:
    """CombSUM of per-list normalised scores (a thread missing from a list scores 0 there)."""
    total: dict[int, float] = {}
    for scored in lists:
        for thread_id, value in normalise(scored):
            total[thread_id] = total.get(thread_id, 0.0) + value
    return sorted(total, key=lambda t: -total[t])


def minmax(scored):
    if not scored:
        return []
    values = [v for _, v in scored]
    low, high = min(values), max(values)
    return [(t, (v - low) / (high - low) if high > low else 1.0) for t, v in scored]


def by_max(scored):
    high = max((v for _, v in scored), default=0) or 1.0
    return [(t, v / high) for t, v in scored]


def evaluate(folder: Path, encoder, with_body: bool, tmp: Path) -> dict[str, tuple]:
    from search.whoosh_backend import WhooshBackend
    questions, answers, accepted, pairs = load_site(folder)
    docs = docs_of(questions, answers)
    backend = WhooshBackend(tmp / folder.name)
    backend.index(docs)
    ids = [d.thread_id for d in docs]
    titles = embed_cached(encoder, [d.title for d in docs], folder.name + "_title")
    posts = embed_cached(encoder, [f"{d.title}\n{d.question}" for d in docs], folder.name + "_post")
    acc_text = []
    for d in docs:
        ans = dict(answers.get(d.thread_id, ()))
        acc_text.append(f"{d.title}\n{ans.get(accepted.get(d.thread_id), '')}")
    accs = embed_cached(encoder, acc_text, folder.name + "_accepted")
    runs: dict[str, list[list[int]]] = {}
    targets = []
    for dup, orig in pairs:
        title, body, _ = questions[dup]
        text = f"{title}\n{body}" if with_body else title
        q_title = encoder.encode([title])[0]
        queries = [q_title] + ([encoder.encode([text])[0]] if with_body else [])
        lexical_scored = [(t, v) for t, v in backend.candidates(text, limit=51) if t != dup][:50]
        lexical = [t for t, _ in lexical_scored]
        vmax_scored = vector_scores([titles, posts], queries, ids, dup)
        v_title = vector_rank([titles], queries, ids, dup)
        v_post = vector_rank([posts], queries, ids, dup)
        v_max = vector_rank([titles, posts], queries, ids, dup)
        v_max3 = vector_rank([titles, posts, accs], queries, ids, dup)
        floor = lambda scored: [t for t, v in scored if v >= 0.2]  # noqa: E731
        vt_scored = vector_scores([titles], queries, ids, dup)
        vp_scored = vector_scores([posts], queries, ids, dup)
        fused = {
            "rrf3 floor 0.2": _fuse([lexical, floor(vt_scored), floor(vp_scored)]),
            "bm25": lexical, "vec title": v_title, "vec title+question": v_post,
            "vec max(title, post)": v_max, "vec max(title, post, accepted)": v_max3,
            "rrf bm25 + vec post": _fuse([lexical, v_post]),
            "rrf bm25 + vec max": _fuse([lexical, v_max]),
            "rrf bm25 + vec title + vec post": _fuse([lexical, v_title, v_post]),
            "rrf bm25 + vec max3": _fuse([lexical, v_max3]),
            "rrf bm25 + 2*vec max": _fuse([lexical, v_max], [1.0, 2.0]),
            "combsum minmax bm25 + vec max": combsum([lexical_scored, vmax_scored], minmax),
            "combsum /max bm25 + vec max": combsum([lexical_scored, vmax_scored], by_max),
            "cos + 0.1*bm25/max": combsum([[(t, 0.1 * v) for t, v in by_max(lexical_scored)],
                                          vmax_scored], lambda x: x),
            "cos + 0.2*bm25/max": combsum([[(t, 0.2 * v) for t, v in by_max(lexical_scored)],
                                          vmax_scored], lambda x: x),
        }
        for name, ranking in fused.items():
            runs.setdefault(name, []).append(ranking)
        targets.append(orig)
    return {name: (*metrics(r, targets), len(targets)) for name, r in runs.items()}


def _fuse(rankings, weights=None) -> list[int]:
    fused = reciprocal_rank_fusion(rankings, weights)
    return sorted(fused, key=lambda t: -fused[t])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "stackexchange"))
    parser.add_argument("--body", action="store_true", help="query with title + body")
    args = parser.parse_args()
    limit_threads()
    from search.semantic.encoder import Encoder
    encoder = Encoder(model_path(DEFAULT_MODEL), DEFAULT_MODEL)
    sites = [p for p in sorted(Path(args.data).iterdir()) if (p / "PostLinks.xml").exists()]
    if not sites:
        sys.exit(f"no Stack Exchange dumps under {args.data}")
    totals: dict[str, list] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for site in sites:
            for name, (recall, mrr, n) in evaluate(site, encoder, args.body, Path(tmp)).items():
                print(f"{site.name:<16} {name:<34} recall@10 {recall:.3f}  MRR@10 {mrr:.3f}  n={n}")
                totals.setdefault(name, []).append((recall * n, mrr * n, n))
    for name, parts in totals.items():
        n = sum(p[2] for p in parts)
        print(f"{'all':<16} {name:<34} recall@10 {sum(p[0] for p in parts) / n:.3f}  "
              f"MRR@10 {sum(p[1] for p in parts) / n:.3f}  n={n}")


if __name__ == "__main__":
    main()

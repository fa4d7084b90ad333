"""The Whoosh backend (the embedded default): an index under `<instance>/search/whoosh`.

Writes go through one writer at a time (a process lock, then Whoosh's file lock with a
timeout), so several workers never corrupt the index. Each process keeps one searcher and
refreshes it when another writer has committed; searches within a process take turns on it.
"""
import fcntl
import logging
import threading
import time
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, Token
from whoosh.columns import FixedBytesColumn, NumericColumn
from whoosh.fields import BOOLEAN, COLUMN, ID, KEYWORD, STORED, Schema
from whoosh.highlight import (FIRST, BasicFragmentScorer, ContextFragmenter, Formatter, get_text,
                             top_fragments)
from whoosh.reading import EmptyReader, MultiReader, SegmentReader
from whoosh.searching import Searcher
from whoosh.support.charset import accent_map
from whoosh.writing import CLEAR

from search import whoosh_write
from search.backend import Hit, SearchQuery, SearchResult, ThreadDoc
from search.documents import fingerprint
from search.snippets import lead
from search.whoosh_rank import Ranker
from search.whoosh_write import ANALYZER, WORD, FastText, term_of

WORDS = RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)  # unstemmed
# Question and answers share one field (fewer posting lists to write, a smaller index; answers
# are not weighted apart). No phrase search, so no positions are stored either.
TEXT_FIELDS = (("title", 3.0), ("text", 1.0), ("tagtext", 1.5))
BM25F_TIES = 10  # candidates beyond the limit, so equal scores are cut by thread id, not docnum
SNIPPET_SOURCE = 3000  # characters of question + answers kept for highlighting
_process_locks: dict[str, threading.Lock] = {}
_registry_lock = threading.Lock()


def schema() -> Schema:
    # Numbers that are only sorted on or read back are columns, not indexed (a NUMERIC field
    # writes 8-16 trie terms per document: a third of all postings).
    return Schema(
        id=ID(unique=True),
        tid=COLUMN(NumericColumn("I")),
        fingerprint=COLUMN(FixedBytesColumn(24, default=b" " * 24)),
        title=FastText(analyzer=ANALYZER, spelling=True, phrase=False),
        text=FastText(analyzer=ANALYZER, phrase=False),
        tagtext=FastText(analyzer=ANALYZER, phrase=False),
        body=STORED,
        tag=KEYWORD(lowercase=True),
        category=ID,
        status=ID,
        answered=BOOLEAN,
        score=COLUMN(NumericColumn("i")),
        created=COLUMN(NumericColumn("q")),
        activity=COLUMN(NumericColumn("q")),
    )


class MarkFormatter(Formatter):
    """Escaped text with <mark> around the matched words, nothing else."""

    between = " … "

    def _text(self, text):
        from html import escape
        return escape(text, quote=False)

    def format_token(self, text, token, replace=False):
        return f"<mark>{self._text(get_text(text, token, replace))}</mark>"


def _process_lock(path: str) -> threading.Lock:
    with _registry_lock:
        return _process_locks.setdefault(path, threading.Lock())


class WhooshBackend:
    name = "whoosh"

    def __init__(self, directory: str | Path, lock_timeout: float = 30.0):
        self.directory = Path(directory)
        self.lock_timeout = lock_timeout
        self._searcher, self._generation = None, -1
        self._ranking = None
        self._read_lock = threading.Lock()
        self._write_lock = _process_lock(str(self.directory.resolve()))
        self._ix = self._open()

    def _open(self):
        self.directory.mkdir(parents=True, exist_ok=True)
        # Two processes starting at once must not both create the index.
        with open(self.directory / ".create.lock", "w") as guard:
            fcntl.flock(guard, fcntl.LOCK_EX)
            if not whoosh_index.exists_in(self.directory):
                return whoosh_index.create_in(self.directory, schema())
            ix = whoosh_index.open_dir(self.directory)
            if _layout(_read_toc(ix).schema) != _layout(schema()):
                # An index written by an older schema: start an empty one (searches find
                # nothing until `search rebuild` or `search check --repair` fills it).
                logging.getLogger(__name__).warning(
                    "search index at %s has an old schema: recreated empty; run "
                    "`flask search rebuild`", self.directory)
                return whoosh_index.create_in(self.directory, schema())
            return ix

    @contextmanager
    def writer(self):
        """The one writer: this process's writers queue, other processes wait on the file lock."""
        with self._write_lock:
            writer = whoosh_write.writer(self._ix, timeout=self.lock_timeout, delay=0.05)
            try:
                yield writer
            except BaseException:
                writer.cancel()
                raise
            writer.commit()

    def index(self, docs: Sequence[ThreadDoc]) -> None:
        if not docs:
            return
        with self.writer() as writer:
            for doc in docs:
                writer.update_document(**_fields(doc))

    def remove(self, thread_ids: Iterable[int]) -> None:
        ids = [str(int(i)) for i in thread_ids]
        if not ids:
            return
        with self.writer() as writer:
            for id_ in ids:
                writer.delete_by_term("id", id_)

    @contextmanager
    def replacing(self):
        """Rebuild: yield write(docs); on exit the new documents replace the whole index at
        once (searchers see the old index until then)."""
        with self._write_lock:
            writer = whoosh_write.writer(self._ix, bulk=True, timeout=self.lock_timeout,
                                         delay=0.05, limitmb=128)
            try:
                yield lambda docs: [writer.add_document(**_fields(doc)) for doc in docs]
            except BaseException:
                writer.cancel()
                raise
            writer.commit(mergetype=CLEAR)

    def clear(self) -> None:
        with self._write_lock:
            writer = self._ix.writer(timeout=self.lock_timeout, delay=0.05)
            writer.commit(mergetype=CLEAR)

    def _ranker(self, searcher) -> Ranker:
        """The ranker of this process's searcher (made again when the searcher is)."""
        if self._ranking is None or self._ranking.searcher is not searcher:
            self._ranking = Ranker(searcher)
        return self._ranking

    @contextmanager
    def searcher(self):
        """This process's searcher, brought up to date when another writer has committed."""
        with self._read_lock:
            if self._searcher is None or self._ix.latest_generation() != self._generation:
                self._searcher, self._generation = _fresh_searcher(self._ix, self._searcher)
            yield self._searcher

    def search(self, query: SearchQuery) -> SearchResult:
        words = _terms(query.text)
        sortedby = {"newest": "created", "votes": "score"}.get(query.sort)
        if not words and sortedby is None:
            sortedby = "created"
        with self.searcher() as searcher:
            docnums, scores, total = self._ranker(searcher).rank(
                words, TEXT_FIELDS, _filter(query), sortedby, query.offset + query.limit)
            page = list(zip(docnums, scores))[query.offset:]
            ids = _ids(searcher) if page else None
            ranked = sortedby is None  # a sorted search's "score" is its sort key, not relevance
            hits = [Hit(ids[docnum], float(score) if ranked else 0.0,
                        _snippet(searcher, docnum, words)) for docnum, score in page]
            suggestion = _suggest(searcher, query.text) if total < 3 and words else None
        return SearchResult(hits, total, suggestion)

    def candidates(self, text: str, limit: int = 50) -> list[tuple[int, float]]:
        """Threads holding any of the words, by BM25F over every live document (numpy over the
        posting lists: Ranker.bm25f_any); ties by thread id."""
        words = _terms(text)
        if not words:
            return []
        with self.searcher() as searcher:
            docnums, scores = self._ranker(searcher).bm25f_any(words, TEXT_FIELDS,
                                                                limit + BM25F_TIES)
            if not docnums:
                return []
            ids = _ids(searcher)
            best = sorted(zip(docnums, scores), key=lambda d: (-round(d[1], 9), ids[d[0]]))
            return [(ids[docnum], score) for docnum, score in best[:limit]]

    def indexed(self) -> dict[int, str]:
        with self.searcher() as searcher:
            reader = searcher.reader()
            if not reader.doc_count_all():
                return {}
            ids, prints = _ids(searcher), reader.column_reader("fingerprint")
            return {ids[n]: prints[n].decode() for n in reader.all_doc_ids()
                    if not reader.is_deleted(n)}

    def document_count(self) -> int:
        with self.searcher() as searcher:
            return searcher.doc_count()

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.directory.iterdir() if p.is_file())


def _read_toc(ix, attempts: int = 20):
    """The newest commit's table of contents. Another process's commit deletes the one before
    it, so a reader that listed that one just before can find it gone: it reads the newest
    again (a commit takes milliseconds)."""
    for attempt in range(attempts):
        try:
            return ix._read_toc()
        except FileNotFoundError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.01 * (attempt + 1))


def _fresh_searcher(ix, old):
    """A searcher on the latest commit that reuses the old one's segment readers where the
    segment is unchanged (same id and same deletions), and opens the rest.

    Whoosh-Reloaded's own refresh() re-adds segments a merge removed, and reuses a segment's
    reader after new deletions in it; both would show deleted or replaced documents.
    """
    toc = _read_toc(ix)
    reusable = {}
    if old is not None:
        for reader, _ in old.reader().leaf_readers():
            segment = reader.segment()
            if segment is not None:
                reusable[segment.segment_id()] = (segment.deleted_count(), reader)
    readers = []
    for segment in toc.segments:
        deleted, reader = reusable.pop(segment.segment_id(), (None, None))
        if reader is None or deleted != segment.deleted_count():
            if reader is not None:
                reader.close()
            reader = SegmentReader(ix.storage, toc.schema, segment, generation=toc.generation)
        readers.append(reader)
    for _, reader in reusable.values():
        reader.close()
    if not readers:
        combined = EmptyReader(toc.schema)
    else:
        combined = readers[0] if len(readers) == 1 else MultiReader(readers,
                                                                   generation=toc.generation)
    return Searcher(combined, fromindex=ix), toc.generation


def _layout(fields: Schema) -> dict[str, str]:
    return {name: type(field).__name__ for name, field in fields.items()}


def _ids(searcher):
    """docnum -> thread id, from a column (no stored fields loaded)."""
    return searcher.reader().column_reader("tid")


def _fields(doc: ThreadDoc) -> dict:
    return {"id": str(doc.thread_id), "tid": doc.thread_id, "fingerprint": fingerprint(doc).encode(),
            "title": doc.title, "text": f"{doc.question}\n{doc.answers}",
            "tagtext": " ".join(doc.tags), "tag": " ".join(doc.tags),
            "body": f"{doc.question}\n{doc.answers}"[:SNIPPET_SOURCE],
            "category": doc.category, "status": doc.status, "answered": doc.answer_count > 0,
            "score": doc.score, "created": int(doc.created_at.timestamp()),
            "activity": int(doc.last_activity_at.timestamp())}


def _terms(text: str) -> list[str]:
    """The query's words as the index holds them (stemmed, folded); no query syntax at all."""
    seen: dict[str, None] = {}
    for token in ANALYZER(text or ""):
        seen.setdefault(token.text, None)
    return list(seen)[:32]


def _filter(query: SearchQuery) -> list[tuple[str, object]]:
    clauses = []
    if query.category:
        clauses.append(("category", query.category))
    if query.tag:
        clauses.append(("tag", query.tag.lower()))
    if query.status == "unanswered":
        clauses.append(("answered", False))
    elif query.status:
        clauses.append(("status", query.status))
    return clauses


def _snippet(searcher, docnum: int, words: list[str]) -> str:
    body = searcher.stored_fields(docnum).get("body", "")
    if words:
        fragments = ContextFragmenter(maxchars=120, surround=60).fragment_tokens(
            body, _marked_tokens(body, frozenset(words)))
        found = MarkFormatter()(body, top_fragments(fragments, 2, BasicFragmentScorer(), FIRST))
        if found:
            return found
    return lead(body)


def _marked_tokens(text: str, words: frozenset[str]):
    """What `highlight` gets from ANALYZER (every word, stop words too, with its offsets and
    whether it is a query term), without running the filter chain per word."""
    token = Token(chars=True, removestops=False)
    token.boost = 1.0
    for match in WORD.finditer(text):
        token.text = match.group()
        token.startchar, token.endchar = match.span()
        token.matched = term_of(token.text) in words
        yield token


def _suggest(searcher, text: str) -> str | None:
    """Did you mean: each word the index does not know, replaced by the closest one it does,
    from the titles' spelling words first, then from every indexed word of the questions and
    answers (their stems, shown as a thread writes them). Stop words are never "corrected"."""
    reader, changed, out = searcher.reader(), False, []
    for token in WORDS(text or ""):
        word = token.text
        if len(word) < 3 or word.isdigit() or term_of(word) is None or _known(reader, word):
            out.append(word)
            continue
        found = next(iter(searcher.corrector("title").suggest(word, limit=1)), None) \
            or _from_text(searcher, word)
        changed |= bool(found and found != word)
        out.append(found or word)
    return " ".join(out) if changed else None


def _from_text(searcher, word: str) -> str | None:
    """The closest stem in the questions and answers, as written in a thread that holds it."""
    stem = term_of(word) or word
    for found in searcher.corrector("text").suggest(stem, limit=3, maxdist=2):
        if found == stem:
            continue
        docs = searcher.reader().postings("text", found).all_ids()
        docnum = next(iter(docs), None)
        body = searcher.stored_fields(docnum).get("body", "") if docnum is not None else ""
        written = next((w.lower() for w in WORD.findall(body) if term_of(w.lower()) == found),
                       None)
        if written:
            return written
    return None


def _known(reader, word: str) -> bool:
    stems = [t.text for t in ANALYZER(word)] or [word]
    return any(reader.doc_frequency(field, stem) for stem in stems
               for field, _ in TEXT_FIELDS)

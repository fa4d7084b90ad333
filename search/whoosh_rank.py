"""Ranking for the Whoosh backend over whole posting lists with numpy: the score Whoosh's BM25F
gives an And of per-word Ors over the text fields (same formula, same index statistics), the
filter, a sort column and the exact total, in one pass per query.

Whoosh's own collector steps through matching documents a Python call at a time, and counts a
query's total with a second such pass; this reads each posting list a block at a time.
"""
import numpy as np
from whoosh.codec import whoosh3
from whoosh.util.numeric import byte_to_length

B, K1 = 0.75, 1.2  # Whoosh's BM25F defaults
_LENGTH = np.array([1.0] + [float(byte_to_length(b)) for b in range(1, 256)])
_COLUMN_TYPES = {"I": ">u4", "i": ">i4", "q": ">i8", "Q": ">u8", "B": "u1"}


class Ranker:
    """One searcher's view (one index generation): live documents, field lengths and sort
    columns as arrays over the searcher's document numbers, read once and kept."""

    def __init__(self, searcher):
        self.searcher = searcher
        self.leaves = list(searcher.reader().leaf_readers())
        self.size = searcher.doc_count_all()
        self._arrays: dict[tuple[str, str], np.ndarray] = {}

    def rank(self, words: list[str], fields, clauses, sort: str | None, limit: int):
        """(document numbers of the first `limit`, their scores, how many match in all).
        `fields`: (field, boost) pairs; a document must hold every word in one of them."""
        mask = self.live().copy()
        for field, value in clauses:
            mask &= self._has(field, value)
        score = np.zeros(self.size)
        for word in words:
            mask &= self._score_word(word, fields, score)
        matched = np.flatnonzero(mask)
        key = score[matched] if sort is None else self.column(sort)[matched].astype(float)
        if len(matched) > limit:  # keep the best (and everything tied with the last of them)
            cut = np.partition(key, len(key) - limit)[len(key) - limit]
            chosen = key >= cut
            matched, key = matched[chosen], key[chosen]
        # Best first; ties by document number, the later first when sorting (as Whoosh does).
        order = np.lexsort((matched if sort is None else -matched, -key))[:limit]
        return matched[order].tolist(), score[matched[order]].tolist(), int(mask.sum())

    def bm25f_any(self, words: list[str], fields, limit: int) -> tuple[list[int], list[float]]:
        """Similar questions' candidates: the live documents holding any of the words, best
        first by BM25F (Robertson, Zaragoza and Taylor, 2004; k1 1.2, b 0.75): per word, its
        frequency in each field weighted and divided by the field's relative length, summed over
        the fields, saturated once, times one IDF (from the field with the most documents holding
        it). Whoosh's own scoring sums a BM25 per field, counting a word again for each field it
        is in. (document numbers, scores) of the first `limit`."""
        if not self.size:
            return [], []
        live = self.live()
        total = int(live.sum()) or 1
        norms: dict[str, np.ndarray] = {}  # read only for fields a word is in
        score = np.zeros(self.size)
        for word in dict.fromkeys(words):
            weighted, holding = np.zeros(self.size), 0
            for field, boost in fields:
                ids, tf = self.postings(field, word)
                if len(ids):
                    if field not in norms:
                        norms[field] = (1 - B) + B * self.lengths(field) / (
                            self.searcher.avg_field_length(field) or 1.0)
                    holding = max(holding, len(ids))
                    weighted[ids] += boost * tf / norms[field][ids]
            if holding:
                idf = np.log(1 + (total - holding + 0.5) / (holding + 0.5))
                score += idf * weighted / (K1 + weighted)
        score[~live] = 0.0
        matched = np.flatnonzero(score > 0)
        if len(matched) > limit:
            matched = matched[np.argpartition(-score[matched], limit - 1)[:limit]]
        order = np.lexsort((matched, -score[matched]))
        return matched[order].tolist(), score[matched[order]].tolist()

    def _score_word(self, word: str, fields, score: np.ndarray) -> np.ndarray:
        has = np.zeros(self.size, dtype=bool)
        for field, boost in fields:
            ids, tf = self.postings(field, word)
            if not len(ids):
                continue
            has[ids] = True
            idf = self.searcher.idf(field, word)
            average = self.searcher.avg_field_length(field) or 1
            length = self.lengths(field)[ids]
            score[ids] += boost * idf * (tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * length
                                                                      / average))
        return has

    def live(self) -> np.ndarray:
        if ("", "live") not in self._arrays:
            live = np.ones(self.size, dtype=bool)
            for reader, offset in self.leaves:
                if reader.has_deletions():
                    live[[offset + d for d in reader.deleted_docs_set]] = False
            self._arrays["", "live"] = live
        return self._arrays["", "live"]

    def _has(self, field: str, value) -> np.ndarray:
        found = np.zeros(self.size, dtype=bool)
        found[self.postings(field, value)[0]] = True
        return found

    def lengths(self, field: str) -> np.ndarray:
        """Each document's length of `field` as BM25F reads it (Whoosh keeps it in a byte)."""
        return self._per_document("length", field, lambda r: r._perdoc._cached_reader(
            whoosh3._lenfield(field), whoosh3.LENGTHS_COLUMN), lambda raw: _LENGTH[raw])

    def column(self, field: str) -> np.ndarray:
        return self._per_document("column", field, lambda r: r.column_reader(
            field, translate=False) if r.has_column(field) else None, lambda values: values)

    def _per_document(self, kind: str, field: str, open_column, convert) -> np.ndarray:
        if (kind, field) not in self._arrays:
            parts = []
            for reader, _ in self.leaves:
                count = reader.doc_count_all()
                parts.append(convert(_column_values(open_column(reader), count)))
            self._arrays[kind, field] = np.concatenate(parts) if parts else np.zeros(0)
        return self._arrays[kind, field]

    def postings(self, field: str, term) -> tuple[np.ndarray, np.ndarray]:
        """The searcher's document numbers holding `term` in `field`, and its frequency in each."""
        ids, tfs = [], []
        for reader, offset in self.leaves:
            text = reader.schema[field].to_bytes(term)
            if (field, text) not in reader:
                continue
            matcher = reader.postings(field, text)
            matcher = getattr(matcher, "child", matcher)  # deletions: live() takes them out
            found, weights = _blocks(matcher)
            ids.append(found + offset)
            tfs.append(weights)
        if not ids:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        return np.concatenate(ids), np.concatenate(tfs)


def _column_values(column, count: int) -> np.ndarray:
    """A numeric column's values as an array (the raw bytes when it is a fixed-width number
    column, else value by value); documents past the written end get the default, 0."""
    if column is None:
        return np.zeros(count, dtype=np.int64)
    code = getattr(column, "_typecode", None)
    if code in _COLUMN_TYPES and hasattr(column, "_dbfile"):
        width = np.dtype(_COLUMN_TYPES[code]).itemsize
        written = min(count, column._count)
        raw = column._dbfile.get(column._basepos, written * width) if written else b""
        values = np.zeros(count, dtype=np.int64)
        values[:written] = np.frombuffer(raw, dtype=_COLUMN_TYPES[code])
        return values
    return np.array([column[n] for n in range(count)], dtype=np.int64)


def _blocks(matcher) -> tuple[np.ndarray, np.ndarray]:
    """A fresh leaf matcher's ids and weights, a block at a time when it is Whoosh's W3 format
    (ids delta-coded, weights None when all 1.0), else posting by posting."""
    if not all(hasattr(matcher, a) for a in ("_read_data", "_next_block", "_byteids")):
        ids, weights = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
        return np.array(ids, dtype=np.int64), np.array(weights, dtype=float)
    ids, weights = [], []
    while matcher.is_active():
        if matcher._data is None:
            matcher._read_data()
        raw_ids, raw_weights = matcher._data[0], matcher._data[1]
        count = matcher._blocklength
        block = np.asarray(raw_ids, dtype=np.int64)
        ids.append(block if matcher._byteids else np.cumsum(block))
        if raw_weights is None or isinstance(raw_weights, float):
            weights.append(np.full(count, 1.0 if raw_weights is None else raw_weights))
        else:
            weights.append(np.asarray(raw_weights, dtype=float))
        matcher._next_block()
    if not ids:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    return np.concatenate(ids), np.concatenate(weights)

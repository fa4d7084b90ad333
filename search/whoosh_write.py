"""How the Whoosh backend writes: its analyzer, a text field that analyses each distinct word
once, and its writers (one in this process; worker processes for a rebuild)."""
import os
import pickle
import queue
import re
import struct
from array import array
from collections import Counter

from whoosh import multiproc
from whoosh.analysis import CharsetFilter, StemmingAnalyzer
from whoosh.fields import TEXT, Schema
from whoosh.support.charset import accent_map
from whoosh.writing import SegmentWriter

ANALYZER = StemmingAnalyzer() | CharsetFilter(accent_map)
REBUILD_PROCS = 2  # worker processes that write a rebuild's segments (1: in this process)


class FastText(TEXT):
    """TEXT that indexes with `index_terms` (each distinct word analysed once): the same terms
    as ANALYZER gives, at a fraction of the cost of its token-by-token filter chain."""

    def index(self, value, **kwargs):
        boost = self.format.field_boost
        return [(term.encode("utf-8"), freq, freq * boost, _FREQ(freq))
                for term, freq in Counter(index_terms(value)).items()]


WORD = re.compile(r"\w+(?:\.?\w+)*")  # RegexTokenizer's default expression, non-capturing
_FREQ = struct.Struct("!I").pack  # Frequency format's value: the count
_term_of: dict[str, str | None] = {}
_TERM_CACHE = 500_000


def index_terms(text: str) -> list[str]:
    """ANALYZER's terms of `text` (stop words left out): every filter in it acts on one word
    alone, so each distinct word's term is worked out once and remembered."""
    if len(_term_of) > _TERM_CACHE:
        _term_of.clear()
    terms, known = [], _term_of.get
    for word in WORD.findall(text):
        term = known(word, "")
        if term == "":
            term = term_of(word)
        if term is not None:
            terms.append(term)
    return terms


def term_of(word: str) -> str | None:
    term = _term_of.get(word, "")
    if term == "":
        term = _term_of[word] = next((t.text for t in ANALYZER(word)), None)
    return term


def writer(ix, bulk: bool = False, **options):
    """The writer for `ix`: for a bulk rebuild, worker processes when there are the cores."""
    procs = min(REBUILD_PROCS, os.cpu_count() or 1) if bulk else 1
    return _ParallelWriter(ix, procs, **options) if procs > 1 else _Writer(ix, **options)


class _Writer(SegmentWriter):
    """Whoosh's segment writer with postings kept in a `_MemoryPool`, and the field lengths
    written with each posting read once per field at commit (Whoosh reads them back per
    posting: a file lookup each)."""

    def __init__(self, ix, **options):
        super().__init__(ix, **options)
        self.pool = _MemoryPool()

    def _flush_segment(self):
        self.perdocwriter.close()
        reader = self.per_document_reader()
        try:
            self.fieldwriter.add_postings(self.schema, _Lengths(reader, self.schema),
                                          self.pool.iter_postings())
            self.fieldwriter.close()
        finally:
            reader.close()


class _MemoryPool:
    """Postings in memory, per term as two arrays (documents, frequencies): a tenth of the
    memory of Whoosh's pool of tuples, so a big write never spills sorted runs to disk to merge
    them again, and only the terms get sorted, not every posting. Postings of another shape
    (weight not the frequency) are kept as they come."""

    def __init__(self):
        self.fieldnames: set[str] = set()
        self._terms: dict[tuple[str, bytes], tuple[bool, array, array]] = {}
        self._other: dict[tuple[str, bytes], list] = {}

    def add(self, item) -> None:
        fieldname, text, docnum, weight, value = item
        freq = int(weight)
        compact = freq == weight and 0 <= freq < 2 ** 32 and (value == b"" or
                                                              value == _FREQ(freq))
        key = (fieldname, text)
        entry = self._terms.get(key) if compact else None
        if compact and entry is None and key not in self._other:
            entry = self._terms[key] = (value == b"", array("I"), array("I"))
        if entry is not None and entry[0] == (value == b""):
            entry[1].append(docnum)
            entry[2].append(freq)
        else:
            self._other.setdefault(key, []).append((docnum, weight, value))
        self.fieldnames.add(fieldname)

    def iter_postings(self):
        """(fieldname, text, docnum, weight, value) in field, term and document order."""
        for key in sorted(self._terms.keys() | self._other.keys()):
            fieldname, text = key
            postings = []
            if key in self._terms:
                empty, docs, freqs = self._terms[key]
                postings = [(d, float(f), b"" if empty else _FREQ(f)) for d, f in zip(docs, freqs)]
            postings += self._other.get(key, [])
            postings.sort()
            for docnum, weight, value in postings:
                yield fieldname, text, docnum, weight, value

    def cleanup(self) -> None:
        self._terms, self._other = {}, {}


class _Lengths:
    def __init__(self, reader, fields: Schema):
        self._reader, self._fields, self._known = reader, fields, {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        lengths = self._known.get(fieldname)
        if lengths is None:
            scored = fieldname in self._fields and self._fields[fieldname].scorable
            lengths = self._known[fieldname] = [
                self._reader.doc_field_length(n, fieldname)
                for n in range(self._reader.doc_count_all())] if scored else []
        return lengths[docnum] if lengths else default


class _ParallelWriter(multiproc.MpWriter):
    """A rebuild's writer: batches of documents go to worker processes, each of which writes
    one segment; the commit swaps them in for every earlier segment at once. A worker that
    fails fails the commit (Whoosh's own MpWriter would leave its documents out)."""

    def __init__(self, ix, procs: int, **kwargs):
        super().__init__(ix, procs=procs, batchsize=250, multisegment=True, **kwargs)

    def _new_task(self):
        task = _Task(self.storage, self.indexname, self.jobqueue, self.resultqueue,
                     self.subargs, True)
        task.daemon = True  # never outlives this process
        self.tasks.append(task)
        task.start()
        return task

    def _enqueue(self):
        """Hand the buffered documents to a worker (as Whoosh does: a file of pickles)."""
        filename = f"{multiproc.random_name()}.doclist"
        with self.temp_storage().create_file(filename).raw_file() as out:
            for item in self.docbuffer:
                pickle.dump(item, out, 2)
        if len(self.tasks) < self.procs:
            self._new_task()
        self._put((filename, len(self.docbuffer)))
        self.docbuffer = []

    def _put(self, job) -> None:
        while True:  # the queue is bounded: never wait forever on workers that have died
            try:
                return self.jobqueue.put(job, timeout=1)
            except queue.Full:
                self._check_workers()

    def _check_workers(self) -> None:
        if any(task.exitcode for task in self.tasks):
            raise RuntimeError("a search index worker process failed")

    def _commit(self, mergetype, optimize, merge):
        try:
            if self.docbuffer:
                self._enqueue()
            for _ in self.tasks:
                self._put(None)
            segments = self._merge_segments(mergetype, optimize, merge)
            segments += [segment for _, _, segment in self._results()]
            for task in self.tasks:
                task.join()
        except BaseException:
            self.cancel()
            raise
        if self._added:
            segments.append(self._finalize_segment())
        else:
            self._close_segment()
        self._commit_toc(segments)
        self._finish()

    def _results(self) -> list:
        results = []
        while len(results) < len(self.tasks):
            try:
                results.append(self.resultqueue.get(timeout=1))
            except queue.Empty:
                self._check_workers()
        return results

    def cancel(self):
        for task in self.tasks:
            task.terminate()
            task.join()
        multiproc.SegmentWriter.cancel(self)


class _Task(multiproc.SubWriterTask):
    def run(self):
        multiproc.SegmentWriter = _Writer  # in this worker process only: the faster commit
        super().run()

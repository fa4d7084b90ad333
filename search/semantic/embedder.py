"""The `embedder` consumer: re-reads every thread a batch of content events touched, embeds the
texts whose fingerprint changed (outside any write transaction), and upserts or removes their
vectors in one short transaction. Handling a batch twice changes nothing. Also the "embeddings"
rebuild step and the drift check for `search check`. It runs where every consumer runs: a thread
of each web process in the embedded default, `flask events run --loop` scaled out.
"""
from community import events as content
from core import consumers
from core import events as log
from core.consumers import consumer
from core.database import db
from search import semantic
from search.documents import all_thread_ids, count_threads, documents
from search.semantic import index as vector_index
from search.semantic import store

CONSUMER = "embedder"
# Votes, answers and accepts change no embedded text; a post edit may be the question's.
TYPES = (content.THREAD_CREATED, content.THREAD_EDITED, content.POST_EDITED,
         content.POST_DELETED, content.POST_RESTORED)


def texts_of(doc) -> dict[str, str]:
    """What is embedded per thread: the title alone (questions are asked as titles) and the
    title with the question (truncated by the tokenizer), searched as max-sim."""
    return {"title": doc.title, "post": f"{doc.title}\n{doc.question}"}


def refresh_threads(thread_ids, encoder=None) -> tuple[int, int]:
    """Embed the changed texts of these threads and drop the vectors of gone ones; (embedded, gone)."""
    encoder = encoder or semantic.get_encoder()
    ids = {int(i) for i in thread_ids if i}
    if encoder is None or not ids:
        return 0, 0
    docs = documents(ids)
    gone = ids - {doc.thread_id for doc in docs}
    stored = store.fingerprints(ids)
    todo = []
    for doc in docs:
        for kind, text in texts_of(doc).items():
            print_ = store.text_fingerprint(encoder.name, kind, text)
            if stored.get((doc.thread_id, kind)) != (encoder.name, print_):
                todo.append({"thread_id": doc.thread_id, "kind": kind, "text": text,
                             "model": encoder.name, "fingerprint": print_})
    db.session.rollback()  # the model runs with no transaction open
    if todo:
        vectors = encoder.encode([row.pop("text") for row in todo])
        for row, vector in zip(todo, vectors):
            row["vector"] = vector
    if todo or (gone & {key[0] for key in stored}):
        store.save(todo, gone)
        vector_index.touch()
    return len(todo), len(gone)


@consumer(CONSUMER, *TYPES)
def handle(batch) -> None:
    refresh_threads({event.thread_id for event in batch})


def rebuild_embeddings(advance=lambda n: None) -> int:
    """Embed every live thread whose vectors are missing or stale; drop other models' vectors."""
    encoder = semantic.get_encoder()
    if encoder is None:
        return 0
    start = log.last_id()
    store.clear_other_models(encoder.name)
    done = 0
    for ids in all_thread_ids(batch=64):
        refresh_threads(ids, encoder)
        done += len(ids)
        advance(len(ids))
    consumers.seek(CONSUMER, max(start, consumers.position(CONSUMER)))
    return done


def drift() -> dict[str, list[int]]:
    """Live threads without an up-to-date vector of every kind, and vectors of gone threads."""
    encoder = semantic.get_encoder()
    if encoder is None:
        return {"missing": [], "stale": [], "extra": []}
    missing, stale, seen = [], [], set()
    for ids in all_thread_ids():
        stored = store.fingerprints(ids)
        for doc in documents(ids):
            seen.add(doc.thread_id)
            for kind, text in texts_of(doc).items():
                have = stored.get((doc.thread_id, kind))
                if have is None:
                    missing.append(doc.thread_id)
                elif have != (encoder.name, store.text_fingerprint(encoder.name, kind, text)):
                    stale.append(doc.thread_id)
    extra = sorted(set(store.stored_thread_ids()) - seen)
    return {"missing": sorted(set(missing)), "stale": sorted(set(stale) - set(missing)),
            "extra": extra}


def _register_rebuild_step() -> None:
    try:
        from search.rebuild import rebuild_step
    except ImportError:  # helper/search's registry not present: nothing to register with
        return
    rebuild_step("embeddings", total=count_threads)(rebuild_embeddings)


_register_rebuild_step()

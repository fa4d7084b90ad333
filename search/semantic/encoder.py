"""A sentence encoder for BERT-family sentence-transformers models (all-MiniLM-L6-v2 by default):
the `tokenizers` library and a numpy forward pass over memory-mapped safetensors weights, so
every process on a machine shares one copy of the weights in the page cache and no torch."""
import json
import struct
from functools import cached_property
from pathlib import Path

import numpy as np

_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
BATCH = 32
# all-MiniLM-L6-v2 was trained on 128 word pieces; a longer input costs twice the time and the
# model card reports no gain from it.
MAX_TOKENS = 128


def _erf(x: np.ndarray) -> np.ndarray:
    # Abramowitz & Stegun 7.1.26 (error < 1.5e-7): BERT's "gelu" is the exact, erf-based one.
    sign = np.sign(x)
    x = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * x)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741
                                                       + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-x * x))


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + _erf(x * np.float32(0.7071067811865476)))


def _layer_norm(x: np.ndarray, weight, bias, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(-1, keepdims=True)
    return centred / np.sqrt(var + eps) * weight + bias


def load_safetensors(path: Path) -> dict[str, np.ndarray]:
    """The tensors of a .safetensors file as read-only views of one memory map (nothing copied)."""
    with open(path, "rb") as handle:
        (size,) = struct.unpack("<Q", handle.read(8))
        header = json.loads(handle.read(size))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + size)
    tensors = {}
    for name, spec in header.items():
        if name == "__metadata__" or spec["dtype"] not in _DTYPES:
            continue
        start, end = spec["data_offsets"]
        tensors[name] = data[start:end].view(_DTYPES[spec["dtype"]]).reshape(spec["shape"])
    return tensors


class Encoder:
    """Turns texts into unit-length float32 vectors (mean pooling, as the model was trained)."""

    def __init__(self, path: str | Path, name: str | None = None):
        self.path = Path(path)
        self.name = name or self.path.name
        config = json.loads((self.path / "config.json").read_text())
        self.layers = config["num_hidden_layers"]
        self.heads = config["num_attention_heads"]
        self.dim = config["hidden_size"]
        self.eps = config.get("layer_norm_eps", 1e-12)
        st_config = self.path / "sentence_bert_config.json"
        self.max_tokens = min(MAX_TOKENS, json.loads(st_config.read_text())
                              .get("max_seq_length", MAX_TOKENS) if st_config.exists() else 512)
        if config.get("hidden_act", "gelu") != "gelu" or config.get("model_type") != "bert":
            raise ValueError(f"{self.path}: only BERT models with gelu are supported")
        self.weights = load_safetensors(self.path / "model.safetensors")

    @cached_property
    def tokenizer(self):
        from tokenizers import Tokenizer
        tokenizer = Tokenizer.from_file(str(self.path / "tokenizer.json"))
        tokenizer.enable_truncation(self.max_tokens)
        tokenizer.no_padding()
        return tokenizer

    def _w(self, name: str) -> np.ndarray:
        return self.weights[name]

    def encode(self, texts: list[str], batch: int = BATCH) -> np.ndarray:
        """One unit row per text, in order; similar lengths are batched together."""
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        encodings = self.tokenizer.encode_batch([t or "" for t in texts])
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        out = np.empty((len(texts), self.dim), np.float32)
        for start in range(0, len(order), batch):
            chunk = order[start:start + batch]
            out[chunk] = self._forward([encodings[i].ids for i in chunk])
        return out

    def _forward(self, ids_list: list[list[int]]) -> np.ndarray:
        length = max(len(ids) for ids in ids_list)
        ids = np.zeros((len(ids_list), length), np.int64)
        mask = np.zeros((len(ids_list), length), np.float32)
        for row, token_ids in enumerate(ids_list):
            ids[row, :len(token_ids)] = token_ids
            mask[row, :len(token_ids)] = 1.0
        w = self._w
        x = (w("embeddings.word_embeddings.weight")[ids]
             + w("embeddings.position_embeddings.weight")[:length]
             + w("embeddings.token_type_embeddings.weight")[0])
        x = _layer_norm(x, w("embeddings.LayerNorm.weight"), w("embeddings.LayerNorm.bias"),
                        self.eps)
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        for layer in range(self.layers):
            x = self._layer(x, bias, f"encoder.layer.{layer}.")
        pooled = (x * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)

    def _linear(self, x, prefix: str):
        return x @ self._w(prefix + ".weight").T + self._w(prefix + ".bias")

    def _layer(self, x: np.ndarray, bias: np.ndarray, p: str) -> np.ndarray:
        batch, length, _ = x.shape
        head_dim = self.dim // self.heads

        def split(t):
            return t.reshape(batch, length, self.heads, head_dim).transpose(0, 2, 1, 3)

        q = split(self._linear(x, p + "attention.self.query"))
        k = split(self._linear(x, p + "attention.self.key"))
        v = split(self._linear(x, p + "attention.self.value"))
        scores = q @ k.transpose(0, 1, 3, 2) / np.float32(np.sqrt(head_dim)) + bias
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, self.dim)
        x = _layer_norm(x + self._linear(context, p + "attention.output.dense"),
                        self._w(p + "attention.output.LayerNorm.weight"),
                        self._w(p + "attention.output.LayerNorm.bias"), self.eps)
        hidden = _gelu(self._linear(x, p + "intermediate.dense"))
        return _layer_norm(x + self._linear(hidden, p + "output.dense"),
                           self._w(p + "output.LayerNorm.weight"),
                           self._w(p + "output.LayerNorm.bias"), self.eps)

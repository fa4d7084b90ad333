"""onnxruntime against the numpy forward pass (search/semantic/encoder.py) on the same packaged
weights. The ONNX graph is built here from model.safetensors with the `onnx` helpers (no torch, no
download): the same BERT layers the numpy encoder runs. Prints the largest difference between
their vectors, and the time per query text and per batch of 32 passages, one thread each.

Needs `onnx` and `onnxruntime`, which are not project dependencies: run it in a scratch venv
that also has numpy and tokenizers, with the project on PYTHONPATH, e.g.

    python -m venv /tmp/onnxvenv && /tmp/onnxvenv/bin/pip install onnx onnxruntime numpy \
        tokenizers flask threadpoolctl
    PYTHONPATH=. /tmp/onnxvenv/bin/python bench/encoder_onnx.py
"""
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from search.semantic.encoder import Encoder  # noqa: E402

QUERIES = ["forgot my password", "where are my bills", "laptop will not wake after sleep",
           "how do I export my contacts to a spreadsheet", "printer prints blank pages"]
PASSAGE = ("When I open the lid the display stays dark and the fans spin; I have to hold the "
           "power button to restart. It started after the last update and happens every day. ")


def build_graph(encoder: Encoder):
    """An ONNX model: (input_ids, position_ids, attention bias) -> last hidden state."""
    from onnx import TensorProto, helper, numpy_helper
    w, nodes, inits = encoder.weights, [], []
    dim, heads = encoder.dim, encoder.heads
    head_dim = dim // heads

    def const(name, array):
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def node(op, inputs, output, **attrs):
        nodes.append(helper.make_node(op, inputs, [output], **attrs))
        return output

    def linear(x, prefix, out):
        y = node("MatMul", [x, const(prefix + ".wT", w[prefix + ".weight"].T)], out + "_mm")
        return node("Add", [y, const(prefix + ".b", w[prefix + ".bias"])], out)

    def norm(x, prefix, out):
        return node("LayerNormalization", [x, const(prefix + ".g", w[prefix + ".weight"]),
                                           const(prefix + ".bb", w[prefix + ".bias"])], out,
                    axis=-1, epsilon=encoder.eps)

    words = node("Gather", [const("wemb", w["embeddings.word_embeddings.weight"]), "input_ids"],
                 "words")
    places = node("Gather", [const("pemb", w["embeddings.position_embeddings.weight"]),
                             "position_ids"], "places")
    x = node("Add", [node("Add", [words, places], "e1"),
                     const("temb", w["embeddings.token_type_embeddings.weight"][0])], "e2")
    x = norm(x, "embeddings.LayerNorm", "e3")
    split = const("split_shape", np.array([0, 0, heads, head_dim], np.int64))
    merge = const("merge_shape", np.array([0, 0, dim], np.int64))
    scale = const("scale", np.array(1 / np.sqrt(head_dim), np.float32))
    half, one = const("half", np.array(0.5, np.float32)), const("one", np.array(1, np.float32))
    root = const("root", np.array(0.7071067811865476, np.float32))
    for layer in range(encoder.layers):
        p, t = f"encoder.layer.{layer}.", f"l{layer}_"
        q, k, v = (node("Reshape", [linear(x, p + f"attention.self.{n}", t + n), split],
                        t + n + "_r") for n in ("query", "key", "value"))
        q = node("Transpose", [q], t + "qt", perm=[0, 2, 1, 3])
        k = node("Transpose", [k], t + "kt", perm=[0, 2, 3, 1])
        v = node("Transpose", [v], t + "vt", perm=[0, 2, 1, 3])
        scores = node("Add", [node("Mul", [node("MatMul", [q, k], t + "qk"), scale], t + "qks"),
                              "attention_bias"], t + "sb")
        probs = node("Softmax", [scores], t + "sm", axis=-1)
        context = node("Reshape", [node("Transpose", [node("MatMul", [probs, v], t + "ctx")],
                                        t + "ctxt", perm=[0, 2, 1, 3]), merge], t + "ctxr")
        attended = linear(context, p + "attention.output.dense", t + "ao")
        x = norm(node("Add", [x, attended], t + "res1"), p + "attention.output.LayerNorm",
                 t + "n1")
        hidden = linear(x, p + "intermediate.dense", t + "h")
        erf = node("Erf", [node("Mul", [hidden, root], t + "hs")], t + "erf")
        gelu = node("Mul", [node("Mul", [hidden, half], t + "hh"),
                            node("Add", [erf, one], t + "e1p")], t + "gelu")
        out = linear(gelu, p + "output.dense", t + "o")
        x = norm(node("Add", [x, out], t + "res2"), p + "output.LayerNorm", t + "n2")
    nodes.append(helper.make_node("Identity", [x], ["hidden"]))
    graph = helper.make_graph(
        nodes, "minilm",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["b", "l"]),
         helper.make_tensor_value_info("position_ids", TensorProto.INT64, ["l"]),
         helper.make_tensor_value_info("attention_bias", TensorProto.FLOAT, ["b", 1, 1, "l"])],
        [helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["b", "l", dim])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


class OnnxEncoder:
    def __init__(self, encoder: Encoder, path: Path):
        import onnx
        import onnxruntime
        onnx.save(build_graph(encoder), str(path))
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(str(path), options,
                                                    providers=["CPUExecutionProvider"])
        self.encoder = encoder

    def encode(self, texts: list[str]) -> np.ndarray:
        encodings = self.encoder.tokenizer.encode_batch(texts)
        length = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), length), np.int64)
        mask = np.zeros((len(texts), length), np.float32)
        for row, e in enumerate(encodings):
            ids[row, :len(e.ids)], mask[row, :len(e.ids)] = e.ids, 1.0
        hidden = self.session.run(None, {
            "input_ids": ids, "position_ids": np.arange(length, dtype=np.int64),
            "attention_bias": ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]})[0]
        pooled = (hidden * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


def _timed(fn, rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def _line(label: str, times: list[float]) -> str:
    times = sorted(times)
    return (f"{label:<34} p50 {statistics.median(times):7.2f} ms   "
            f"p99 {times[int(len(times) * 0.99) - 1]:7.2f} ms")


def main() -> None:
    from threadpoolctl import threadpool_limits

    from search.semantic import model_path
    threadpool_limits(limits=1, user_api="blas")
    encoder = Encoder(model_path("all-MiniLM-L6-v2"), "all-MiniLM-L6-v2")
    with tempfile.TemporaryDirectory() as folder:
        onnx_encoder = OnnxEncoder(encoder, Path(folder) / "minilm.onnx")
        passages = [PASSAGE * 3] * 32
        diff = max(float(np.abs(encoder.encode(QUERIES) - onnx_encoder.encode(QUERIES)).max()),
                   float(np.abs(encoder.encode(passages[:4]) - onnx_encoder.encode(passages[:4]))
                         .max()))
        print(f"largest difference between the two encoders' vector components: {diff:.2e}")
        for label, enc in (("numpy", encoder), ("onnxruntime", onnx_encoder)):
            queries = _timed(lambda: [enc.encode([q]) for q in QUERIES], 40)
            print(_line(f"{label}: one query text", [t / len(QUERIES) for t in queries]))
            print(_line(f"{label}: 32 passages (128 tokens)",
                        _timed(lambda: enc.encode(passages), 5)))


if __name__ == "__main__":
    main()

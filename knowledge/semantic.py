"""A semantic signal beside the lexicon: static word embeddings shipped in a wheel.

The vectors are WordLlama's ``l2_supercat`` token embeddings (float16, 256 dimensions),
which the ``wordllama`` package ships inside its wheel together with their tokenizer.
We read those two files directly rather than through ``wordllama``'s own loader: that
loader looks for the bundled tokenizer in the wrong folder and then falls back to a hub
download, and importing it configures the root logger. Reading the files ourselves
keeps loading offline by construction, and costs about 70 ms.

A text's vector is the mean of its token vectors, normalised, as WordLlama computes it;
two texts are alike by the cosine of their vectors. Pure and synchronous, like the rest
of :mod:`knowledge`.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
from safetensors import safe_open
from tokenizers import Tokenizer

PACKAGE = "wordllama"
WEIGHTS = "weights/l2_supercat_256.safetensors"
TOKENIZER = "tokenizers/l2_supercat_tokenizer_config.json"
TENSOR = "embedding.weight"
DIMENSIONS = 128
"""WordLlama is trained so that its first dimensions carry the most (it ships 64 to 1024):
128 of the 256 read our questions as well, and as float32 they take the 16 MB the
file's float16 did, while the per-query sums avoid numpy's slow float16 arithmetic."""
MAX_TOKENS = 96
"""Longer texts are cut: a question's gist is in its first sentences."""


WORD_CACHE = 16384
"""Words whose token ids are kept (a few MB at most)."""


class ModelMissing(RuntimeError):
    """The package with the weights is not installed (or lacks its files)."""


def package_files() -> tuple[Path, Path]:
    """Where the installed ``wordllama`` wheel keeps its weights and tokenizer, found
    without importing the package."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelMissing(f"the {PACKAGE} package is not installed")
    root = Path(next(iter(spec.submodule_search_locations)))
    weights, tokenizer = root / WEIGHTS, root / TOKENIZER
    for path in (weights, tokenizer):
        if not path.is_file():
            raise ModelMissing(f"{path} is missing from the {PACKAGE} package")
    return weights, tokenizer


class Embedder:
    """Text to unit vectors with static token embeddings."""

    def __init__(self, vectors: np.ndarray, tokenizer: Tokenizer) -> None:
        self.vectors = vectors  # (vocabulary, dimensions), float32
        self.tokenizer = tokenizer
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self._word_ids = lru_cache(maxsize=WORD_CACHE)(self._word_ids_uncached)

    @classmethod
    def from_package(cls) -> Embedder:
        weights, tokenizer = package_files()
        with safe_open(str(weights), framework="np") as f:
            vectors = f.get_slice(TENSOR)[:, :DIMENSIONS]
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        return cls(vectors, Tokenizer.from_file(str(tokenizer)))

    @property
    def dimensions(self) -> int:
        return int(self.vectors.shape[1])

    def embed(self, text: str) -> np.ndarray | None:
        """The unit vector of ``text``, or None when it has no tokens."""
        # Lone surrogates (from broken input) cannot cross into the Rust tokenizer.
        text = text.encode("utf-8", "replace").decode("utf-8")
        return self._unit(self.tokenizer.encode(text, add_special_tokens=False).ids)

    def embed_words(self, words: Sequence[str]) -> np.ndarray | None:
        """The unit vector of a text already cut into words (:func:`knowledge.text.tokens`),
        or None. Each word is tokenized once per process and cached, so a query costs a
        few dictionary lookups and one sum instead of a call into the tokenizer."""
        return self._unit([i for w in words[:MAX_TOKENS] for i in self._word_ids(w)])

    def _unit(self, ids: Sequence[int]) -> np.ndarray | None:
        """The normalised sum of these tokens' vectors, or None for no tokens."""
        if not ids:
            return None
        vec = self.vectors[ids].sum(axis=0)
        norm = float(np.sqrt(vec @ vec))
        return vec / norm if norm > 0 else None

    def _word_ids_uncached(self, word: str) -> tuple[int, ...]:
        word = word.encode("utf-8", "replace").decode("utf-8")
        return tuple(self.tokenizer.encode(" " + word, add_special_tokens=False).ids)

    def embed_many(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors of ``texts``, one row each (zeros for a text with no tokens)."""
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for row, enc in enumerate(
            self.tokenizer.encode_batch(list(texts), add_special_tokens=False)
        ):
            vector = self._unit(enc.ids)
            if vector is not None:
                out[row] = vector
        return out


@lru_cache(maxsize=1)
def packaged_embedder() -> Embedder:
    """The packaged embeddings, loaded once per process."""
    return Embedder.from_package()

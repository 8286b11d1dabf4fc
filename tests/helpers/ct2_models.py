"""Real CTranslate2 translation models with random weights, built without torch and without a download.

A SentencePiece vocabulary is trained on generated text (`train_spm`); `marian_model` writes an OPUS-MT model
directory (Marian's .npz of numpy weights, vocab.yml, decoder.yml) and converts it with CTranslate2's own OPUS-MT
converter; `multilingual_model` does the same through a converter that then gives the model NLLB-200's and
M2M-100's shape (pre-norm layers, a vocabulary shared with language tokens, decoding started from `</s>`).
Tests use tiny sizes (2+2 layers, 32 dimensions, about 200 tokens); `make bench-translate` OPUS-MT's
(transformer-base: 6+6 layers, 512 dimensions, 2048 in the feed-forward layers, 8 heads, a 32k vocabulary:
https://huggingface.co/Helsinki-NLP/opus-mt-en-de, config.json).
"""

import io
import random
import shutil
from pathlib import Path

import ctranslate2
import numpy as np
import sentencepiece
import yaml
from ctranslate2.converters.opus_mt import OpusMTConverter

WORDS = ("the a of to and in is was for on that with as by at from it this be are or an which were their have "
         "has school student teacher lesson learn water plant energy history river city book read write number "
         "count small large early later during because people children science light heat earth moon sun food "
         "body cell animal forest music language word sentence question answer example rule change grow "
         "mountain valley ocean island weather season winter summer spring autumn market village garden "
         "doctor museum library painting ancient modern simple difficult careful quickly slowly together "
         "between under above around across toward village harvest journey kingdom citizen").split()
SPECIALS = {"marian": ["</s>", "<unk>"], "multilingual": ["<s>", "<pad>", "</s>", "<unk>"]}

TINY = {"layers": (2, 2), "dim": 32, "heads": 2, "ffn": 64}
OPUS_MT_BASE = {"layers": (6, 6), "dim": 512, "heads": 8, "ffn": 2048, "vocab_size": 32000}


def sentences(count: int, seed: int = 0) -> list[str]:
    """Generated English-like sentences of 4 to 20 words."""
    rng = random.Random(seed)
    return [" ".join(rng.choices(WORDS, k=rng.randint(4, 20))).capitalize() + rng.choice(".?!")
            for _ in range(count)]


def train_spm(path: Path, vocab_size: int = 200, seed: int = 0) -> Path:
    """A SentencePiece model trained on generated sentences, written to `path`."""
    model = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(sentence_iterator=iter(sentences(2000, seed)), model_writer=model,
                                             vocab_size=vocab_size, character_coverage=1.0, minloglevel=2)
    path.write_bytes(model.getvalue())
    return path


def _pieces(spm: Path) -> list[str]:
    processor = sentencepiece.SentencePieceProcessor(model_file=str(spm))
    return [processor.id_to_piece(i) for i in range(processor.get_piece_size())
            if not (processor.is_control(i) or processor.is_unknown(i))]


def _vocabulary(spm: Path, specials: list[str], extra: list[str], vocab_size: int | None) -> list[str]:
    tokens = specials + _pieces(spm) + extra
    pad = [] if "<pad>" in tokens else ["<pad>"]  # Marian's vocabulary ends with it
    filler = [f"<filler{i}>" for i in range(max(0, (vocab_size or 0) - len(tokens) - len(pad)))]  # to a model's size
    return tokens + filler + pad


def _marian_weights(vocabulary: list[str], layers: tuple[int, int], dim: int, heads: int, ffn: int,
                    pre_norm: bool, eos_bias: float, seed: int) -> dict[str, np.ndarray]:
    """Marian's .npz contents for a transformer with random weights."""
    rng = np.random.default_rng(seed)

    def matrix(*shape: int) -> np.ndarray:
        return (rng.standard_normal(shape) / np.sqrt(shape[0])).astype(np.float32)

    config = {"type": "transformer", "enc-depth": layers[0], "dec-depth": layers[1], "transformer-heads": heads,
              "transformer-decoder-autoreg": "self-attention", "transformer-no-projection": False,
              "transformer-ffn-activation": "relu" if pre_norm else "swish", "transformer-postprocess-emb": "d",
              "transformer-preprocess": "n" if pre_norm else "", "transformer-postprocess": "da" if pre_norm else "dan",
              "transformer-postprocess-top": "n" if pre_norm else "", "transformer-guided-alignment-layer": "last"}
    weights = {"special:model.yml": np.frombuffer(yaml.safe_dump(config).encode() + b"\0", dtype=np.int8),
               "Wemb": matrix(dim, len(vocabulary)).T.copy()}  # scaled by sqrt(dim) in the model: variance 1
    norm = "_pre" if pre_norm else ""

    def layer_norm(name: str) -> None:
        weights[f"{name}_ln_scale{norm}"] = np.ones((1, dim), np.float32)
        weights[f"{name}_ln_bias{norm}"] = np.zeros((1, dim), np.float32)

    def attention(scope: str) -> None:
        for part in "qkvo":
            weights[f"{scope}_W{part}"] = matrix(dim, dim)
            weights[f"{scope}_b{part}"] = np.zeros((1, dim), np.float32)
        layer_norm(f"{scope}_Wo")

    for side, depth in (("encoder", layers[0]), ("decoder", layers[1])):
        for number in range(1, depth + 1):
            scope = f"{side}_l{number}"
            attention(f"{scope}_self")
            if side == "decoder":
                attention(f"{scope}_context")
            weights.update({f"{scope}_ffn_W1": matrix(dim, ffn), f"{scope}_ffn_b1": np.zeros((1, ffn), np.float32),
                            f"{scope}_ffn_W2": matrix(ffn, dim), f"{scope}_ffn_b2": np.zeros((1, dim), np.float32)})
            layer_norm(f"{scope}_ffn_ffn")
        if pre_norm:
            weights[f"{side}_top_ln_scale"] = np.ones((1, dim), np.float32)
            weights[f"{side}_top_ln_bias"] = np.zeros((1, dim), np.float32)
    bias = np.zeros((1, len(vocabulary)), np.float32)
    bias[0, vocabulary.index("</s>")] = eos_bias
    weights["decoder_ff_logit_out_b"] = bias
    # an output layer of its own: tied to the embeddings, random layers echo the last token over and over
    weights["decoder_ff_logit_out_Wt"] = matrix(dim, len(vocabulary)).T.copy()
    return weights


def _opus_mt_directory(directory: Path, vocabulary: list[str], weights: dict[str, np.ndarray]) -> Path:
    directory.mkdir(parents=True)
    np.savez(directory / "model.npz", **weights)
    (directory / "vocab.yml").write_text(yaml.safe_dump({token: i for i, token in enumerate(vocabulary)},
                                                        allow_unicode=True), encoding="utf-8")
    (directory / "decoder.yml").write_text(yaml.safe_dump({"models": ["model.npz"],
                                                           "vocabs": ["vocab.yml", "vocab.yml"]}))
    return directory


class _MultilingualConverter(OpusMTConverter):
    """A pre-norm Marian model given NLLB-200's and M2M-100's conventions: the source carries its language token
    and `</s>` as the caller writes them, the decoder starts from `</s>` and the target language token follows."""

    def _load(self):
        spec = super()._load()
        spec.config.add_source_eos = False
        spec.config.decoder_start_token = "</s>"
        spec.decoder.start_from_zero_embedding = False
        return spec


def _build(directory: Path, spm: Path, kind: str, extra: list[str], converter: type, *, layers: tuple[int, int],
           dim: int, heads: int, ffn: int, vocab_size: int | None, eos_bias: float, seed: int,
           quantization: str) -> None:
    vocabulary = _vocabulary(spm, SPECIALS[kind], extra, vocab_size)
    source = _opus_mt_directory(directory.with_name(directory.name + "-marian"), vocabulary,
                                _marian_weights(vocabulary, layers, dim, heads, ffn, kind == "multilingual",
                                                eos_bias, seed))
    converter(str(source)).convert(str(directory), quantization=quantization)
    shutil.rmtree(source)


def marian_model(directory: Path, spm: Path, target_tokens: tuple[str, ...] = (), *, layers=TINY["layers"],
                 dim=TINY["dim"], heads=TINY["heads"], ffn=TINY["ffn"], vocab_size: int | None = None,
                 eos_bias: float = 0.0, seed: int = 0, quantization: str = "int8") -> Path:
    """An OPUS-MT (Marian, post-norm, swish) model converted to CTranslate2 in `directory`, with `source.spm` and
    `target.spm` beside it as OPUS-MT ships them; `target_tokens` (`>>fra<<`, ...) make it multilingual."""
    _build(directory, spm, "marian", list(target_tokens), OpusMTConverter, layers=layers, dim=dim, heads=heads,
           ffn=ffn, vocab_size=vocab_size, eos_bias=eos_bias, seed=seed, quantization=quantization)
    for name in ("source.spm", "target.spm"):
        shutil.copyfile(spm, directory / name)
    return directory


def multilingual_model(directory: Path, spm: Path, language_tokens: tuple[str, ...], *, layers=TINY["layers"],
                       dim=TINY["dim"], heads=TINY["heads"], ffn=TINY["ffn"], vocab_size: int | None = None,
                       eos_bias: float = 0.0, seed: int = 0, quantization: str = "int8") -> Path:
    """An NLLB-200-shaped model (`eng_Latn`, `fra_Latn`, ...) or M2M-100-shaped one (`__en__`, `__fr__`, ...) in
    `directory`, with `sentencepiece.bpe.model` beside it as the converted NLLB and M2M-100 models ship it."""
    _build(directory, spm, "multilingual", list(language_tokens), _MultilingualConverter, layers=layers, dim=dim,
           heads=heads, ffn=ffn, vocab_size=vocab_size, eos_bias=eos_bias, seed=seed, quantization=quantization)
    shutil.copyfile(spm, directory / "sentencepiece.bpe.model")
    return directory


# the tokens around a source's pieces and the target prefix for en -> fr, as CTranslate2's guides write them
EN_FR_TOKENS = {"marian": ([">>fra<<"], [], []), "nllb": (["eng_Latn"], ["</s>"], ["fra_Latn"]),
                "m2m100": (["__en__"], ["</s>"], ["__fr__"])}


def translate_alone(model: Path, spm: Path, family: str, texts: list[str], **decoding) -> list[tuple[str, int]]:
    """Each text translated en -> fr by CTranslate2 by itself (no batch, no sorting, no cache): the output and
    the number of tokens decoded, the target prefix included (the length limit counts it)."""
    translator = ctranslate2.Translator(str(model), compute_type="int8")
    processor = sentencepiece.SentencePieceProcessor(model_file=str(spm))
    before, after, prefix = EN_FR_TOKENS[family]
    outputs = []
    for text in texts:
        hypothesis = translator.translate_batch([before + processor.encode(text, out_type=str) + after],
                                                target_prefix=[prefix] if prefix else None,
                                                **decoding)[0].hypotheses[0]
        outputs.append((processor.decode(hypothesis[len(prefix):]), len(hypothesis)))
    return outputs

"""fastText supervised models (.bin, .ftz) read with numpy, and their top label computed in compiled batches.

The prediction follows fastText 0.9's definitions (facebookresearch/fastText, src/): Dictionary::readWord,
getLine, computeSubwords and pushHash (tokens, character n-grams hashed with 32-bit FNV-1a over bytes read as
signed chars, pruned n-grams), Model::computeHidden (the mean of the input rows), QuantMatrix and
ProductQuantizer (the rows of a compressed .ftz), and HierarchicalSoftmaxLoss::dfs with fastText's float and
double roundings, so that the label and probability equal those of fasttext's predict(text, 1, 0.0). Models
of other kinds (softmax or one-vs-all losses, word n-grams) are answered by the fasttext library instead."""

import mmap
import os
import struct
from dataclasses import dataclass

import numpy as np

from signals.jit import compiled

FASTTEXT_MAGIC = 793712314  # FASTTEXT_FILEFORMAT_MAGIC_INT32 of src/fasttext.h
FASTTEXT_VERSION = 12
ARGS = struct.Struct("<12id")  # dim ws epoch minCount neg wordNgrams loss model bucket minn maxn lrUpdateRate t
DICTIONARY_OFFSET = 8 + ARGS.size  # after the magic and version (int32)
LOSS_HS, MODEL_SUPERVISED = 1, 3  # loss_name::hs and model_name::sup of src/args.h
LOSSES, MODELS = (1, 2, 3, 4), (1, 2, 3)  # loss_name hs, ns, softmax, ova; model_name cbow, sg, sup
KSUB = 256  # centroids per sub-quantizer (8-bit codes, src/productquantizer.h)
_EOS = np.array(list(b"</s>"), np.uint8)
_LABEL_PREFIX = np.array(list(b"__label__"), np.uint8)


class NotAFastTextModel(ValueError):
    pass


@dataclass(frozen=True)
class Dictionary:
    words: list[bytes]  # every entry, words first, then labels
    counts: np.ndarray  # int64
    types: np.ndarray  # int8: 0 a word, 1 a label
    nwords: int
    pruneidx: dict[int, int] | None  # n-gram bucket -> row among the kept n-grams; None when not pruned
    end: int  # the file offset after the dictionary

    @property
    def labels(self) -> list[str]:
        return [w.decode("utf-8", "replace").removeprefix("__label__") for w in self.words[self.nwords:]]


def read_dictionary(data, path: str) -> Dictionary:
    """The dictionary as fastText saves it (src/dictionary.cc Dictionary::save): size, nwords, nlabels (int32),
    ntokens, pruneidx_size (int64), each entry's word ending in NUL, its count (int64) and type (int8), then the
    pruned n-grams as (bucket, row) int32 pairs."""
    if len(data) < DICTIONARY_OFFSET + 28 or struct.unpack_from("<i", data)[0] != FASTTEXT_MAGIC:
        raise NotAFastTextModel(f"{path}: not a fastText model")
    size, nwords, _ = struct.unpack_from("<3i", data, DICTIONARY_OFFSET)
    (prune_size,) = struct.unpack_from("<q", data, DICTIONARY_OFFSET + 20)
    position, words = DICTIONARY_OFFSET + 28, []
    if not 0 <= nwords <= size <= (len(data) - position) // 10:  # an entry takes 10 bytes at least
        raise NotAFastTextModel(f"{path}: not a fastText model (a dictionary of {size} entries, {nwords} words, "
                                f"in {len(data)} bytes)")
    find, ends = data.find, []
    for _ in range(size):
        end = find(b"\0", position)
        if end < 0 or end + 10 > len(data):
            raise NotAFastTextModel(f"{path}: not a fastText model (its dictionary ends early)")
        words.append(bytes(data[position:end]))
        ends.append(end)
        position = end + 10
    # each entry's count (int64) and type (int8) after its word's NUL, gathered at once
    after = np.frombuffer(data, np.uint8, position - DICTIONARY_OFFSET, DICTIONARY_OFFSET)
    at = np.array(ends, np.int64) - DICTIONARY_OFFSET + 1
    counts = after[at[:, None] + np.arange(8)].view("<i8").ravel().astype(np.int64)
    types = after[at + 8].view(np.int8)
    del after  # a view of `data`, which the caller may close
    pruneidx = None
    if prune_size >= 0:
        if position + 8 * prune_size > len(data):
            raise NotAFastTextModel(f"{path}: not a fastText model (its dictionary ends early)")
        pairs = np.frombuffer(data, np.int32, 2 * prune_size, position).reshape(-1, 2)
        pruneidx = dict(zip(pairs[:, 0].tolist(), pairs[:, 1].tolist(), strict=True))
        position += pairs.nbytes
    return Dictionary(words, counts, types, nwords, pruneidx, position)


class _Reader:
    """The values of a model file from a position on. `reads=False` (a check) reads no array: each is a
    stand-in of its length that takes no memory, once the file is found to hold it."""

    def __init__(self, data, position: int, reads: bool = True):
        self.data, self.position, self.reads = data, position, reads

    def take(self, fmt: str):
        values = struct.unpack_from(fmt, self.data, self.position)
        self.position += struct.calcsize(fmt)
        return values if len(values) > 1 else values[0]

    def array(self, dtype, count: int) -> np.ndarray:
        size = count * np.dtype(dtype).itemsize
        if count < 0 or self.position + size > len(self.data):
            raise ValueError(f"{count} values of {np.dtype(dtype)} from byte {self.position} of {len(self.data)}")
        values = (np.frombuffer(self.data, dtype, count, self.position).copy() if self.reads
                  else np.broadcast_to(np.zeros((), dtype), (count,)))
        self.position += size
        return values


def _product_quantizer(reader: _Reader) -> tuple[int, int, int, int, np.ndarray]:
    """A ProductQuantizer: dim, nsubq, dsub, lastdsub and its centroids."""
    dim, nsubq, dsub, lastdsub = reader.take("<4i")
    return dim, nsubq, dsub, lastdsub, reader.array(np.float32, dim * KSUB)


def _dequantized(quantizer: tuple, rows: int, codes: np.ndarray) -> np.ndarray:
    """Every row a ProductQuantizer stores, as dense floats: the centroids its codes name, side by side."""
    dim, nsubq, dsub, lastdsub, centroids = quantizer
    codes = codes.reshape(rows, nsubq)
    dense = np.empty((rows, dim), np.float32)
    for m in range(nsubq):
        width = lastdsub if m == nsubq - 1 else dsub
        table = centroids[m * KSUB * dsub: m * KSUB * dsub + KSUB * width].reshape(KSUB, width)
        dense[:, m * dsub: m * dsub + width] = table[codes[:, m]]
    return dense


def _matrix(reader: _Reader, quantized: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """A DenseMatrix, or a QuantMatrix as its dequantized centroids and its rows' norms (None: no norms).
    A reader that reads no arrays gets a stand-in of the matrix's shape."""
    if not quantized:
        rows, cols = reader.take("<qq")
        return reader.array(np.float32, rows * cols).reshape(rows, cols), None
    qnorm, rows, _, codesize = reader.take("<?qqi")
    codes = reader.array(np.uint8, codesize)
    quantizer = _product_quantizer(reader)
    norms = (reader.array(np.uint8, rows), _product_quantizer(reader)) if qnorm else None
    if not reader.reads:
        codes.reshape(rows, quantizer[1])  # the codes are whole rows
        return np.broadcast_to(np.float32(0), (rows, quantizer[0])), None
    dense = _dequantized(quantizer, rows, codes)
    return dense, None if norms is None else _dequantized(norms[1], rows, norms[0])[:, 0]


def _matrices(reader: _Reader, path: str) -> tuple[tuple, tuple]:
    """The input and output matrices after the dictionary, as `_matrix` gives them (FastText::loadModel: a flag
    before each, the output quantized only where the input is too)."""
    try:
        quantized = reader.take("<?")
        inputs = _matrix(reader, quantized)
        quantized_output = reader.take("<?")
        return inputs, _matrix(reader, quantized and quantized_output)
    except (struct.error, ValueError) as exc:
        raise NotAFastTextModel(f"{path}: not a fastText model (its matrices end early: {exc})") from None


def _tree(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The Huffman tree of the labels' counts, built as HierarchicalSoftmaxLoss::buildTree builds it: its nodes'
    left and right children (-1 at the leaves, which are the labels)."""
    osz = len(counts)
    count = np.full(2 * osz - 1, 10**15, np.int64)
    count[:osz] = counts
    left, right = np.full(2 * osz - 1, -1, np.int32), np.full(2 * osz - 1, -1, np.int32)
    leaf, node = osz - 1, osz
    for i in range(osz, 2 * osz - 1):
        pair = []
        for _ in range(2):
            if leaf >= 0 and count[leaf] < count[node]:
                pair.append(leaf)
                leaf -= 1
            else:
                pair.append(node)
                node += 1
        left[i], right[i] = pair
        count[i] = count[pair[0]] + count[pair[1]]
    return left, right


@dataclass(frozen=True)
class CompiledModel:
    """A supervised hierarchical-softmax model, as arrays for `predict_top`."""

    labels: list[str]
    minn: int
    maxn: int
    bucket: int
    nwords: int
    word_table: np.ndarray  # open addressing on the words' hashes: word id + 1, 0 for a free slot
    word_hashes: np.ndarray  # uint32, per word id
    word_bytes: np.ndarray  # uint8: the words one after the other
    word_offsets: np.ndarray  # int64: word i is word_bytes[word_offsets[i]:word_offsets[i + 1]]
    word_types: np.ndarray  # int8
    ngram_rows: np.ndarray  # int32 per bucket: the input row of a kept n-gram, -1 for a pruned one
    input_rows: np.ndarray  # float32 (rows, dim)
    output_rows: np.ndarray  # float32 (labels, dim); hierarchical softmax uses the first labels - 1
    output_norms: np.ndarray  # float32 per output row (ones for a dense matrix)
    left: np.ndarray
    right: np.ndarray

    def predict(self, texts: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
        """Each text's top label (an index into `labels`, -1 when it has no token) and probability."""
        lengths = np.fromiter(map(len, texts), np.int64, len(texts))
        offsets = np.zeros(len(texts) + 1, np.int64)
        np.cumsum(lengths, out=offsets[1:])
        text = np.frombuffer(bytearray(b"".join(texts)), np.uint8)  # writable: one array type with _EOS
        return predict_top(text, offsets, self.minn, self.maxn, self.bucket, self.nwords, self.word_table,
                           self.word_hashes, self.word_bytes, self.word_offsets, self.word_types, self.ngram_rows,
                           self.input_rows, self.output_rows, self.output_norms, self.left, self.right, _EOS,
                           _LABEL_PREFIX)


def check_model(path: str) -> None:
    """Refuse what the fasttext library would misread: a file that is not one whole fastText model (its magic,
    version, arguments, dictionary and both matrices, as its own sizes give them, and nothing after them).
    Raises NotAFastTextModel naming the file. The matrices are mapped, not read: it takes no memory for them."""
    try:
        with open(path, "rb") as handle:
            if not os.fstat(handle.fileno()).st_size:
                raise NotAFastTextModel(f"{path}: not a fastText model (an empty file)")
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
                _check_structure(data, path)
    except OSError as exc:
        raise NotAFastTextModel(f"{path}: cannot be read: {exc}") from None


def _check_structure(data, path: str) -> None:
    dictionary = read_dictionary(data, path)
    (version,) = struct.unpack_from("<i", data, 4)
    dim, _, _, _, _, _, loss, model, bucket, _, _, _, _ = ARGS.unpack_from(data, 8)
    if not 0 < version <= FASTTEXT_VERSION:  # fastText::checkModel refuses a later version
        raise NotAFastTextModel(f"{path}: not a fastText model (version {version}, fastText reads up to "
                                f"{FASTTEXT_VERSION})")
    if dim <= 0 or bucket < 0 or model not in MODELS or loss not in LOSSES:
        raise NotAFastTextModel(f"{path}: not a fastText model (arguments out of range: dim {dim}, bucket "
                                f"{bucket}, model {model}, loss {loss})")
    reader = _Reader(data, dictionary.end, reads=False)
    (inputs, _), (outputs, _) = _matrices(reader, path)
    input_shape, output_shape = inputs.shape, outputs.shape
    # FastText::loadModel's rows: words and n-gram buckets (the kept ones once pruned) in; labels out (words
    # for unsupervised models)
    ngrams = bucket if dictionary.pruneidx is None else len(dictionary.pruneidx)
    labels = len(dictionary.words) - dictionary.nwords
    expected = ((dictionary.nwords + ngrams, dim), (labels if model == MODEL_SUPERVISED else dictionary.nwords, dim))
    if (input_shape, output_shape) != expected:
        raise NotAFastTextModel(f"{path}: not a fastText model (matrices of {input_shape} and {output_shape} rows "
                                f"and columns where its dictionary and arguments give {expected[0]} and "
                                f"{expected[1]})")
    if reader.position != len(data):
        raise NotAFastTextModel(f"{path}: not a fastText model ({len(data) - reader.position} bytes after its end)")


def load_compiled(path: str) -> CompiledModel | None:
    """The model of `path` ready for `predict_top`, or None for a kind of model it does not compute."""
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        dictionary = read_dictionary(data, path)
        (version,) = struct.unpack_from("<i", data, 4)
        dim, _, _, _, _, word_ngrams, loss, model, bucket, minn, maxn, _, _ = ARGS.unpack_from(data, 8)
        if version != FASTTEXT_VERSION or model != MODEL_SUPERVISED or loss != LOSS_HS or word_ngrams > 1:
            return None
        (input_rows, input_norms), (output_rows, output_norms) = _matrices(_Reader(data, dictionary.end), path)
    if input_norms is not None:  # QuantMatrix::addRowToVector adds norm * centroid, rounded to float, per element
        input_rows *= input_norms[:, None]
    nwords = dictionary.nwords
    return CompiledModel(
        labels=dictionary.labels, minn=minn, maxn=maxn, bucket=bucket, nwords=nwords,
        **_word_table(dictionary.words), word_types=dictionary.types,
        ngram_rows=_ngram_rows(dictionary.pruneidx, bucket), input_rows=input_rows, output_rows=output_rows,
        output_norms=np.ones(len(output_rows), np.float32) if output_norms is None else output_norms,
        **dict(zip(("left", "right"), _tree(dictionary.counts[nwords:]), strict=True)),
    )


def _ngram_rows(pruneidx: dict[int, int] | None, bucket: int) -> np.ndarray:
    if pruneidx is None:
        return np.arange(bucket, dtype=np.int32)
    rows = np.full(bucket, -1, np.int32)
    if pruneidx:
        rows[np.fromiter(pruneidx, np.int64)] = np.fromiter(pruneidx.values(), np.int32)
    return rows


def _word_table(words: list[bytes]) -> dict[str, np.ndarray]:
    lengths = np.fromiter(map(len, words), np.int64, len(words))
    offsets = np.zeros(len(words) + 1, np.int64)
    np.cumsum(lengths, out=offsets[1:])
    word_bytes = np.frombuffer(bytearray(b"".join(words)), np.uint8)  # writable: the array type of the texts
    hashes = _word_hashes(word_bytes, offsets)
    table = np.zeros(1 << max(4, (2 * len(words)).bit_length()), np.int32)
    _fill_table(table, hashes)
    return {"word_table": table, "word_hashes": hashes, "word_bytes": word_bytes, "word_offsets": offsets}


@compiled
def _fill_table(table, hashes):
    mask = len(table) - 1
    for word in range(len(hashes)):
        slot = np.int64(hashes[word]) & mask
        while table[slot] != 0:
            slot = (slot + 1) & mask
        table[slot] = word + 1


@compiled
def _fnv_step(h, byte):
    # the byte as a signed char widened to 32 bits: 0xFFFFFFxx from 0x80 on
    value = np.uint64(byte) | np.uint64(0xFFFFFF00) if byte >= 0x80 else np.uint64(byte)
    return ((h ^ value) * np.uint64(16777619)) & np.uint64(0xFFFFFFFF)


@compiled
def _fnv(data, start, end):
    """Dictionary::hash of data[start:end]: 32-bit FNV-1a over the bytes taken as signed chars."""
    h = np.uint64(2166136261)
    for i in range(start, end):
        h = _fnv_step(h, data[i])
    return np.uint32(h)


@compiled
def _word_hashes(word_bytes, offsets):
    hashes = np.empty(len(offsets) - 1, np.uint32)
    for word in range(len(hashes)):
        hashes[word] = _fnv(word_bytes, offsets[word], offsets[word + 1])
    return hashes


@compiled
def _word_id(text, start, end, h, table, word_hashes, word_bytes, word_offsets):
    mask = len(table) - 1
    slot = np.int64(h) & mask
    while table[slot] != 0:
        word = table[slot] - 1
        if word_hashes[word] == h and word_offsets[word + 1] - word_offsets[word] == end - start:
            at = word_offsets[word]
            same = True
            for i in range(end - start):
                if word_bytes[at + i] != text[start + i]:
                    same = False
                    break
            if same:
                return word
        slot = (slot + 1) & mask
    return -1


@compiled
def _is_space(byte):
    # Dictionary::readWord's separators
    return byte == 32 or byte == 10 or byte == 13 or byte == 9 or byte == 11 or byte == 12 or byte == 0


@compiled
def _starts_with(text, start, end, prefix):
    if end - start < len(prefix):
        return False
    for i in range(len(prefix)):
        if text[start + i] != prefix[i]:
            return False
    return True


@compiled
def _add_row(hidden, rows, row):
    for j in range(len(hidden)):
        hidden[j] += rows[row, j]


@compiled
def _add_ngrams(hidden, text, start, end, minn, maxn, bucket, nwords, ngram_rows, input_rows):
    """Dictionary::computeSubwords over "<" + token + ">": the rows of its kept character n-grams added to
    `hidden`; returns how many."""
    length = end - start + 2
    added = 0
    for i in range(length):
        byte = 60 if i == 0 else (62 if i == length - 1 else text[start + i - 1])
        if byte & 0xC0 == 0x80:
            continue
        h = np.uint64(2166136261)
        j, n = i, 1
        while j < length and n <= maxn:
            while True:
                byte = 60 if j == 0 else (62 if j == length - 1 else text[start + j - 1])
                h = _fnv_step(h, byte)
                j += 1
                if j >= length:
                    break
                following = 62 if j == length - 1 else text[start + j - 1]
                if following & 0xC0 != 0x80:
                    break
            if n >= minn and not (n == 1 and (i == 0 or j == length)):
                row = ngram_rows[np.int64(h % np.uint64(bucket))]
                if row >= 0:
                    _add_row(hidden, input_rows, nwords + row)
                    added += 1
            n += 1
    return added


@compiled
def _hidden(text, start, end, minn, maxn, bucket, nwords, word_table, word_hashes, word_bytes, word_offsets,
            word_types, ngram_rows, input_rows, eos, label_prefix):
    """Model::computeHidden over the tokens Dictionary::getLine reads from one line; None-like (count 0) when
    the line has no input row."""
    hidden = np.zeros(input_rows.shape[1], np.float32)
    count = 0
    position = start
    while True:
        word_start, word_end, is_eos = -1, -1, False
        while position < end:
            byte = text[position]
            position += 1
            if _is_space(byte):
                if word_start < 0:
                    if byte == 10:
                        is_eos = True
                        break
                    continue
                if byte == 10:
                    position -= 1
                break
            if word_start < 0:
                word_start = position - 1
            word_end = position
        if is_eos:
            token, token_start, token_end = eos, 0, len(eos)
        elif word_start >= 0:
            token, token_start, token_end = text, word_start, word_end
            is_eos = _starts_with(text, word_start, word_end, eos) and word_end - word_start == len(eos)
        else:
            break
        word = _word_id(token, token_start, token_end, _fnv(token, token_start, token_end), word_table, word_hashes,
                        word_bytes, word_offsets)
        label = word_types[word] == 1 if word >= 0 else _starts_with(token, token_start, token_end, label_prefix)
        if not label:
            if word >= 0:
                _add_row(hidden, input_rows, word)
                count += 1
            if not is_eos:
                count += _add_ngrams(hidden, token, token_start, token_end, minn, maxn, bucket, nwords, ngram_rows,
                                     input_rows)
        if is_eos:
            break
    if count:
        scale = np.float32(1.0 / count)
        for j in range(len(hidden)):
            hidden[j] *= scale
    return hidden, count


@compiled
def _std_log(x):
    # loss.cc std_log: a float argument, log(x + 1e-5) in double, the result rounded to float
    return np.float32(np.log(np.float64(np.float32(x)) + 1e-5))


@compiled
def _top_leaf(hidden, output_rows, output_norms, left, right):
    """HierarchicalSoftmaxLoss::dfs with k = 1 and threshold 0, depth first and left first: (leaf, log score)."""
    osz = (len(left) + 1) // 2
    floor = _std_log(np.float32(0.0))
    nodes = np.empty(2 * osz, np.int64)
    scores = np.empty(2 * osz, np.float32)
    nodes[0], scores[0], depth = 2 * osz - 2, np.float32(0.0), 1
    best, best_score = -1, np.float32(0.0)
    while depth:
        depth -= 1
        node, score = nodes[depth], scores[depth]
        if score < floor or (best >= 0 and score < best_score):
            continue
        if left[node] == -1 and right[node] == -1:
            best, best_score = node, score  # a later leaf of equal score replaces the earlier, as the heap does
            continue
        row = node - osz
        dot = np.float32(0.0)
        for j in range(len(hidden)):
            dot += output_rows[row, j] * hidden[j]
        f = np.float32(dot * output_norms[row])
        f = np.float32(1.0 / np.float64(np.float32(1.0) + np.exp(-f)))
        nodes[depth], scores[depth] = right[node], score + _std_log(f)
        nodes[depth + 1], scores[depth + 1] = left[node], score + _std_log(np.float32(1.0 - np.float64(f)))
        depth += 2
    return best, best_score


@compiled
def predict_top(text, offsets, minn, maxn, bucket, nwords, word_table, word_hashes, word_bytes, word_offsets,
                word_types, ngram_rows, input_rows, output_rows, output_norms, left, right, eos, label_prefix):
    count = len(offsets) - 1
    labels = np.full(count, -1, np.int32)
    probabilities = np.zeros(count, np.float32)
    for i in range(count):
        hidden, rows = _hidden(text, offsets[i], offsets[i + 1], minn, maxn, bucket, nwords, word_table,
                               word_hashes, word_bytes, word_offsets, word_types, ngram_rows, input_rows, eos,
                               label_prefix)
        if rows:
            labels[i], score = _top_leaf(hidden, output_rows, output_norms, left, right)
            probabilities[i] = np.exp(score)
    return labels, probabilities

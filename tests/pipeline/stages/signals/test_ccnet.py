"""`curate signals` with CCNet language models under `--artifacts DIR/lm`: the CCNet columns are filled."""

import json
import shutil

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.schema import CCNET_FIELDS
from pipeline.stages.signals.run import run_signals
from signals.artifacts import Artifacts
from signals.document import Document
from signals.registry import CCNET
from tests.helpers.ccnet_models import ENWIKI, TRAINING_PARAGRAPHS, wikipedia_paragraphs


def test_ccnet_columns_through_the_stage(spark, shared_data, ccnet_models, tmp_path):
    # Spark refuses a second directory of the same name in one session (the parity test ships `artifacts`)
    artifacts = tmp_path / "ccnet-artifacts"
    (artifacts / "lm").mkdir(parents=True)
    for name in ("en.sp.model", "en.arpa"):
        shutil.copy(ccnet_models / name, artifacts / "lm" / name)
    first, second = wikipedia_paragraphs(shared_data / ENWIKI)[TRAINING_PARAGRAPHS:][:2]
    documents = [
        {"id": "wiki", "text": f"{first}\n{second}\n{first}", "language": "en", "language_score": 0.93456},
        {"id": "german", "text": "Ein kurzer Satz.\nNoch einer.", "language": "de", "language_score": 0.8},
        {"id": "empty", "text": "", "language": "en", "language_score": None},
    ]
    source = tmp_path / "docs.jsonl"
    source.write_text("".join(json.dumps(d) + "\n" for d in documents))

    stats = run_signals(spark, [str(source)], str(tmp_path / "out"), str(artifacts), progress=False)

    assert stats["read"] == stats["kept"] == 3
    table = pq.read_table(str(tmp_path / "out"))
    assert all(table.schema.field(f.name).type == pa.float64() for f in CCNET_FIELDS)
    rows = {row["id"]: row for row in table.to_pylist()}
    wiki, german, empty = rows["wiki"], rows["german"], rows["empty"]
    assert wiki["ccnet_perplexity"] > 0 and wiki["ccnet_bucket"] in (0.0, 1.0, 2.0)
    assert wiki["ccnet_language_score"] == 0.93
    assert (wiki["ccnet_nlines"], wiki["ccnet_original_nlines"]) == (2.0, 3.0)  # the repeated paragraph
    assert german["ccnet_perplexity"] is None and german["ccnet_bucket"] is None  # no German model
    assert empty["ccnet_perplexity"] is None and empty["ccnet_language_score"] is None
    # the executors computed what the signals give in this process
    local = Artifacts(str(artifacts))
    for document in documents:
        row = rows[document["id"]]
        doc = Document(document["text"], document["language"], language_score=document["language_score"])
        assert {name: row[name] for name in CCNET} == {name: f(doc, local)[0][2] for name, f in CCNET.items()}

"""The signals that need model artifacts (UT1 table, fastText classifiers, DSIR counts) as typed columns:
`rps_doc_ut1_blacklist` int64, the others float64, null where the reference gives None."""

import pyarrow as pa

from signals.registry import WITH_MODELS

MODEL_SIGNAL_FIELDS = [pa.field(name, pa.int64() if name == "rps_doc_ut1_blacklist" else pa.float64())
                       for name in WITH_MODELS]


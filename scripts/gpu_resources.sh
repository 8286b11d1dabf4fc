#!/bin/sh
# Spark's GPU discovery script (spark.executor.resource.gpu.discoveryScript, docs/translate.md): prints the GPUs
# this machine has, by the indices nvidia-smi gives them, as the JSON Spark reads:
#   {"name": "gpu", "addresses": ["0", "1"]}
# A machine without nvidia-smi or without a GPU has none: {"name": "gpu", "addresses": []}.
indices=$(nvidia-smi --query-gpu=index --format=csv,noheader 2>/dev/null | tr -d ' \r' | grep .)
quoted=""
if [ -n "$indices" ]; then
    quoted=$(printf '%s\n' $indices | sed 's/.*/"&"/' | paste -sd, -)
fi
printf '{"name": "gpu", "addresses": [%s]}\n' "$quoted"

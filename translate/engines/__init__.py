"""Translation engines behind one interface (base.py): ct2, vllm, hf and identity."""

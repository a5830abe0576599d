"""Parts of scripts/benchmark_ingest.py: documents, measured phases, report."""

"""Evaluation of retrieval and answers: `okienko eval`.

- `cases.py` – the golden case schema and its versioned files (`golden/v1.yaml`).
- `metrics.py` – recall@k, hit@k, MRR, nDCG@10 over documents.
- `retrieval.py` – BM25 on lemmas, dense, hybrid (and hybrid + reranker) side by side.
- `poleval.py` – the PolEval 2022 legal passage-retrieval benchmark (loaded from a path).
- `answers.py` – fact coverage, citations, refusals, crisis handling, latency.
- `gates.py` + `gates.toml` – regression thresholds, each with the reason for its number.
- `report.py` – Markdown report, JSON summary and plot in a results folder.
- `cli.py` – the command.
"""

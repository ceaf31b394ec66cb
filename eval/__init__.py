"""Evaluation of retrieval and answers (see the evaluation issue); empty until it lands."""

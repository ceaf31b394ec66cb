"""Guards around answering: personal data, crisis, instructions aimed at the model, and scope.

Pure rules, no I/O, run on every question before it is stored, logged or sent to a model:

- `personal_data`: `redact_pii` replaces the resident's PESEL, phone number, account number …
  with tags before anything leaves the question;
- `crisis`: `detect_crisis` spots suicidal intent, violence and danger to life; the answer then
  leads with emergency numbers (`crisis_preamble`);
- `injection`: instructions to the assistant, in questions and in retrieved documents
  (`neutralise_passage` cuts them out of passages);
- `scope`: `classify_request` redirects injection attempts and requests outside the CUS's remit
  (other people's data, politics, other offices' matters, homework) with `redirect_message`.

The phrase tables match a folded view of the text (`matching.folded_words`: lower case, no
diacritics, single spaces), so "Chcę się zabić!" and "chce sie zabic" are the same to them.
"""

from rag.guards.crisis import CrisisKind, crisis_preamble, detect_crisis
from rag.guards.injection import REMOVED_MARKER, neutralise_passage
from rag.guards.personal_data import PII_NOTICE, Redaction, redact_pii
from rag.guards.scope import (
    RedirectTopic,
    RequestKind,
    classify_request,
    redirect_message,
    redirect_topic,
)

__all__ = [
    "PII_NOTICE",
    "REMOVED_MARKER",
    "CrisisKind",
    "Redaction",
    "RedirectTopic",
    "RequestKind",
    "classify_request",
    "crisis_preamble",
    "detect_crisis",
    "neutralise_passage",
    "redact_pii",
    "redirect_message",
    "redirect_topic",
]

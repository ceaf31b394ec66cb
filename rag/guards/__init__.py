"""Guards around answering: personal data, instructions aimed at the model, and scope.

Crisis is not a guard: it is assessed first and on its own (`rag.crisis`).

Pure rules, no I/O, run on every question before it is stored, logged or sent to a model:

- `personal_data`: `redact_pii` replaces the resident's PESEL, phone number, account number …
  (however written) and a full name with its address or birth date (`names`) with tags before
  anything else reads the question;
- `special_categories`: `redact_special_categories` replaces what a message says about health,
  origin, beliefs, sexual life or convictions with a category tag ("[dane o zdrowiu]") in what
  leaves the request; `redact_message` does both steps for a resident's text that is stored;
- `injection`: instructions to the assistant, in questions and in retrieved documents
  (`neutralise_passage` cuts them out of passages);
- `scope`: `classify_request` redirects injection attempts and requests outside the CUS's remit
  (other people's data, politics, other offices' matters, homework) with `redirect_message`.

The phrase tables match a folded view of the text (`matching.folded_words`: lower case, no
diacritics, single spaces), so "Chcę się zabić!" and "chce sie zabic" are the same to them.
"""

from rag.guards.injection import REMOVED_MARKER, neutralise_passage
from rag.guards.personal_data import PII_NOTICE, Redaction, redact_pii
from rag.guards.scope import (
    RedirectTopic,
    RequestKind,
    classify_request,
    redirect_message,
    redirect_topic,
)
from rag.guards.special_categories import redact_message, redact_special_categories

__all__ = [
    "PII_NOTICE",
    "REMOVED_MARKER",
    "Redaction",
    "RedirectTopic",
    "RequestKind",
    "classify_request",
    "neutralise_passage",
    "redact_message",
    "redact_pii",
    "redact_special_categories",
    "redirect_message",
    "redirect_topic",
]

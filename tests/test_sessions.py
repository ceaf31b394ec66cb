"""Session ids the server issues (rag.sessions) and their hashes in logs."""

from __future__ import annotations

import logging

import pytest
from pydantic import SecretStr

import rag.sessions
from api.access_log import SessionIdsHashed, hash_session_ids
from rag.conversation import valid_session_id
from rag.sessions import SessionIds, logged
from rag.settings import Settings

SECRET = b"s" * 32


def test_issued_ids_are_recognised_and_fit_the_documented_format() -> None:
    sessions = SessionIds(SECRET)
    ids = {sessions.issue() for _ in range(100)}
    assert len(ids) == 100
    assert all(len(i) == 64 and valid_session_id(i) and sessions.issued(i) for i in ids)


@pytest.mark.parametrize(
    "chosen",
    [
        "moja-wlasna-sesja-123",  # well-formed, chosen by the client
        "0" * 64,  # the issued shape, with a made-up signature
        "a" * 32,  # the unsigned shape of earlier versions
        "",
    ],
)
def test_an_id_the_server_did_not_issue_starts_a_new_session(chosen: str) -> None:
    sessions = SessionIds(SECRET)
    assert not sessions.issued(chosen)
    new = sessions.continued(chosen)
    assert new != chosen
    assert sessions.issued(new)


def test_an_issued_id_continues_and_a_changed_one_does_not() -> None:
    sessions = SessionIds(SECRET)
    issued = sessions.issue()
    assert sessions.continued(issued) == issued
    flipped = issued[:-1] + ("0" if issued[-1] != "0" else "1")
    assert not sessions.issued(flipped)
    assert not sessions.issued(issued.upper())
    assert sessions.continued(None) != issued


def test_processes_sharing_the_secret_accept_each_others_ids() -> None:
    settings = Settings(session_secret=SecretStr("wspolny-sekret-wdrozenia"))
    first, second = SessionIds.of(settings), SessionIds.of(settings.model_copy())
    assert second.issued(first.issue())
    other = SessionIds.of(Settings(session_secret=SecretStr("inny-sekret-innego-wdrozenia")))
    assert not other.issued(first.issue())


def test_without_a_secret_one_is_made_per_process_with_a_warning(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rag.sessions, "_generated", [])  # as in a fresh process
    with caplog.at_level(logging.WARNING, logger="rag.sessions"):
        # Two settings objects of one process (the API's app and its runtime, say) agree.
        first, second = SessionIds.of(Settings()), SessionIds.of(Settings())
    assert second.issued(first.issue())
    assert not SessionIds(SECRET).issued(first.issue())
    warnings = [r for r in caplog.records if "OKIENKO_SESSION_SECRET" in r.getMessage()]
    assert len(warnings) == 1


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="16"):
        Settings(session_secret=SecretStr("krotki"))
    with pytest.raises(ValueError, match="16"):
        SessionIds(b"krotki")


def test_logs_name_a_session_by_a_short_hash() -> None:
    session = SessionIds(SECRET).issue()
    assert logged(session) == logged(session)
    assert len(logged(session)) == 12
    assert logged(session) not in session
    assert logged(session) != logged(SessionIds(SECRET).issue())


def test_the_access_log_hashes_session_ids_in_paths() -> None:
    session = SessionIds(SECRET).issue()
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "DELETE", f"/v1/sessions/{session}?x=1", "1.1", 204),
        None,
    )
    assert SessionIdsHashed().filter(record)
    line = record.getMessage()
    assert session not in line
    assert f"/v1/sessions/#{logged(session)}?x=1" in line
    other = logging.LogRecord("x", logging.INFO, __file__, 1, "plain %s", ("text",), None)
    assert SessionIdsHashed().filter(other)
    assert other.getMessage() == "plain text"
    logger = logging.getLogger("test-sessions-access")
    hash_session_ids(logger)
    hash_session_ids(logger)
    assert len(logger.filters) == 1

"""Property-based requests from the OpenAPI schema (schemathesis): no input makes a 500.

Each operation gets a bounded number of generated examples, so the module finishes in well
under a minute; the responses are also checked against the documented statuses and schemas.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import CheckFunction
from schemathesis.specs.openapi.checks import positive_data_acceptance
from schemathesis.specs.openapi.schemas import OpenApiSchema

from api.app import create_app
from rag.runtime import Runtime
from tests.api_support import served_runtime

EXAMPLES = 30
# A question is 1–2000 characters *after trimming*, and an OpenAI request needs a user message:
# rules a JSON schema cannot state, so these routes may refuse schema-valid input (with 422).
TRIMMED = {"/v1/chat", "/v1/chat/stream", "/v1/chat/completions"}
# A calculator's fields depend on the name in the path (GET /v1/calculators gives each input's
# schema) and their combinations are checked with the date: one operation's schema cannot say
# which objects a calculator takes, so a schema-valid body may be refused (with 422 and `fields`).
PER_CALCULATOR = {"/v1/calculators/{name}"}


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory, rclient: redis.Redis) -> Iterator[Runtime]:
    with served_runtime(tmp_path_factory.mktemp("api-schema"), rclient) as built:
        yield built


@pytest.fixture(scope="module")
def app(runtime: Runtime, module_prefix: str) -> Iterator[FastAPI]:
    service = create_app(runtime.settings, runtime=runtime, redis_prefix=module_prefix)
    with TestClient(service):  # runs the lifespan: the state the routes use stays set
        yield service


@pytest.fixture(scope="module")
def api_schema(app: FastAPI) -> OpenApiSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", app)


# Listed here rather than through schemathesis' pytest loader (which pytest 9 broke); the
# first test checks that the list is the schema's.
OPERATIONS = [
    ("POST", "/v1/chat"),
    ("POST", "/v1/chat/stream"),
    ("POST", "/v1/chat/completions"),
    ("GET", "/v1/calculators"),
    ("POST", "/v1/calculators/{name}"),
    ("GET", "/v1/sessions/{session_id}"),
    ("DELETE", "/v1/sessions/{session_id}"),
    ("POST", "/v1/feedback"),
    ("POST", "/v1/handoff"),
    ("GET", "/v1/handoffs"),
    ("GET", "/v1/handoffs/export"),
    ("DELETE", "/v1/handoffs/{handoff_id}"),
    ("GET", "/v1/letters"),
    ("POST", "/v1/letters/{template_id}"),
    ("POST", "/v1/letters/{template_id}/docx"),
    ("GET", "/v1/config"),
    ("GET", "/v1/insight"),
    ("GET", "/v1/insight/export"),
    ("POST", "/v1/admin/reload"),
    ("GET", "/v1/admin/documents"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
]


def test_every_operation_is_exercised(api_schema: OpenApiSchema) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]  # type: ignore[union-attr]
    documented = {(operation.method.upper(), operation.path) for operation in operations}
    assert documented == set(OPERATIONS)


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_no_input_makes_a_server_error(api_schema: OpenApiSchema, method: str, path: str) -> None:
    operation = api_schema[path][method]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        database=None,
    )
    def check(case: schemathesis.Case[Any]) -> None:
        response = case.call()
        assert response.status_code < 500, (case.method, case.path, response.text[:500])
        refusable = path in TRIMMED | PER_CALCULATOR
        excluded: list[CheckFunction] = [positive_data_acceptance] if refusable else []
        case.validate_response(response, excluded_checks=excluded)

    check()

"""Property-based fuzzing of the whole API from its own OpenAPI schema (schemathesis).

Every operation gets a few generated requests, signed in as the director (who reaches every
endpoint): none may answer 5xx, and every answer must be a documented status with a body that
matches the schema.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from fulfillment.wsgi import application
from tests.api.conftest import token_for
from tests.factories import make_deal

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(autouse=True)
def _keep_test_connection():
    """The WSGI app is called directly, not through Django's test client: like that client,
    keep the request signals from closing the connection that holds the test's transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def director_token(director, manager):
    # Deals of every pipeline with low ids for the generated paths to hit now and then.
    for pipeline in ("calculation", "acceptance", "processing", "shipment", "contract"):
        make_deal(pipeline, "new", responsible=manager)
    return token_for(director)


# Generated when the module is collected (the schema needs no database; /api/schema/ itself
# answers signed-in users only), the requests go to the WSGI app.
schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.app = application
# Boundary values of every field only for the valid cases: the invalid ones are the fuzzing's,
# and all of them would take minutes on the deal endpoints' forty fields.
schema.config.phases.coverage.generation.modes = [GenerationMode.POSITIVE]


@schema.parametrize()
@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_as_its_schema_says(case, director_token):
    case.call_and_validate(headers={"Authorization": f"Token {director_token}"}, checks=CHECKS)

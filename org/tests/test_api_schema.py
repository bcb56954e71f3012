"""The OpenAPI schema lists every organisation endpoint and generates without warnings."""

import pytest
from django.core.management import call_command
from django.urls import include, path
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def docs_public(settings):
    settings.API_DOCS_PUBLIC = True  # as in development and the demo; production: see below

ORG_PATHS = {
    "/api/v1/auth/token": {"post"},
    "/api/v1/auth/token/refresh": {"post"},
    "/api/v1/auth/token/revoke": {"post"},
    "/api/v1/auth/wechat": {"post"},
    "/api/v1/me": {"get"},
    "/api/v1/staff/": {"get"},
    "/api/v1/staff/{employee_no}/": {"get"},
    "/api/v1/staff/{employee_no}/wechat-bind-code": {"post"},
    "/api/v1/institutions/": {"get"},
    "/api/v1/institutions/{code}/": {"get"},
}


def org_views_schema():
    """The schema of the org endpoints alone, so another app's warnings do not hide (or fail) ours."""
    generator = SchemaGenerator(patterns=[path("api/v1/", include("org.api.urls"))])
    return generator.get_schema(request=None, public=True)


def test_every_org_endpoint_is_in_the_served_schema(client):
    resp = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert resp.status_code == 200
    paths = resp.json()["paths"]
    for url, methods in ORG_PATHS.items():
        assert url in paths, url
        assert methods <= set(paths[url]), url


def test_sign_in_endpoints_are_public_and_others_need_a_token(client):
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]
    assert paths["/api/v1/auth/token"]["post"]["security"] == [{}]
    assert {"tokenAuth": []} in paths["/api/v1/staff/"]["get"]["security"]
    # Errors are documented with the common error body.
    assert paths["/api/v1/auth/token"]["post"]["responses"]["429"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }


def test_org_endpoints_generate_without_warnings_or_errors(capsys):
    from drf_spectacular.drainage import GENERATOR_STATS

    GENERATOR_STATS.reset()
    schema = org_views_schema()
    assert set(schema["paths"]) == set(ORG_PATHS)
    assert not GENERATOR_STATS, capsys.readouterr().err
    staff = schema["components"]["schemas"]["Staff"]["properties"]
    assert staff["positions"]["type"] == "array"


def test_the_whole_schema_validates_against_openapi(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--file", str(out))
    assert "/api/v1/auth/wechat" in out.read_text()


def test_the_browsable_docs_are_served_from_the_sidecar(client):
    resp = client.get("/api/docs/")
    assert resp.status_code == 200
    assert "swagger-ui" in resp.content.decode()


@pytest.mark.parametrize("url", ["/api/schema/", "/api/docs/", "/api/redoc/"])
def test_in_production_the_docs_and_schema_need_sign_in(client, settings, url):
    from org.tests.factories import StaffFactory, tree, user_for

    settings.API_DOCS_PUBLIC = False
    assert client.get(url).status_code in (401, 403)
    client.force_login(user_for(StaffFactory(institution=tree()["OUT1"])))
    assert client.get(url).status_code == 200


def test_swagger_starts_from_a_script_file_not_an_inline_script(client):
    html = client.get("/api/docs/").content.decode()
    assert "<script>" not in html.replace(" ", "")
    assert client.get("/api/docs/?script=").status_code == 200


@pytest.mark.parametrize(
    ("path", "component"),
    [
        ("/api/v1/me/referrals", "PaginatedMyReferralList"),
        ("/api/v1/referrals/applications/", "PaginatedApplicationList"),
        ("/api/v1/referrals/disputes/", "PaginatedDisputeList"),
    ],
)
def test_paginated_lists_are_documented_as_paginated(client, path, component):
    """They were documented as bare arrays but answer {count, next, previous, results}."""
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    ok = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": f"#/components/schemas/{component}"}
    assert set(schema["components"]["schemas"][component]["properties"]) == {"count", "next", "previous", "results"}
    assert {"401", "404"} <= set(schema["paths"][path]["get"]["responses"])

"""Trial reports: listed and served per tenant from API_REPORTS_DIR/<tenant_id>/; a name
outside the listing (traversal, another tenant's report, a symlink out) is 404."""

from __future__ import annotations

import pytest

from tests.api.conftest import make_user

REPORT = b"<!doctype html><html><head><title>Trial: 28 days</title></head><body>ok</body></html>"


@pytest.fixture
def reports_root(client, tmp_path, planner, other_planner):
    """API_REPORTS_DIR with a report for `planner`'s tenant and one for `other_planner`'s."""
    settings = client.app.state.settings
    client.app.state.settings = settings.model_copy(update={"reports_dir": tmp_path})
    mine = tmp_path / planner.tenant_id
    theirs = tmp_path / other_planner.tenant_id
    mine.mkdir()
    theirs.mkdir()
    (mine / "trial-a.html").write_bytes(REPORT)
    (mine / "notes.txt").write_text("not a report")
    (theirs / "secret.html").write_bytes(b"<html><title>theirs</title></html>")
    (tmp_path / "top.html").write_bytes(b"<html>not in any tenant's folder</html>")
    try:
        yield tmp_path
    finally:
        client.app.state.settings = settings


def test_planner_lists_and_reads_own_reports(client, planner, reports_root):
    """Only .html files in the tenant's own folder are listed; one is served as HTML with a
    sandboxing CSP."""
    listing = client.get("/v1/reports", headers=planner.headers).json()
    assert listing["configured"] is True and listing["count"] == 1
    [item] = listing["data"]
    assert item["name"] == "trial-a.html" and item["title"] == "Trial: 28 days"
    assert item["size_bytes"] == len(REPORT) and item["url"] == "/v1/reports/trial-a.html"
    r = client.get(item["url"], headers=planner.headers)
    assert r.status_code == 200 and r.content == REPORT
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["content-security-policy"].startswith("sandbox")


@pytest.mark.parametrize(
    "name",
    [
        "notes.txt",
        "missing.html",
        "..%2Ftop.html",
        "%2E%2E%2Ftop.html",
        "..%5Ctop.html",
        "..",
        ".hidden.html",
        "trial-a.html%00.txt",
        "%2Fetc%2Fpasswd",
    ],
)
def test_names_outside_the_listing_are_404(client, planner, reports_root, name):
    """Traversal attempts and names not listed answer 404 (or never reach the route)."""
    r = client.get(f"/v1/reports/{name}", headers=planner.headers)
    assert r.status_code == 404, (name, r.status_code)
    assert b"not in any tenant" not in r.content and b"theirs" not in r.content


def test_another_tenants_report_is_404(client, planner, other_planner, reports_root):
    """A planner of tenant A never sees or reads tenant B's report."""
    assert client.get("/v1/reports/secret.html", headers=planner.headers).status_code == 404
    assert [
        x["name"] for x in client.get("/v1/reports", headers=other_planner.headers).json()["data"]
    ] == ["secret.html"]
    assert client.get("/v1/reports/trial-a.html", headers=other_planner.headers).status_code == 404


def test_symlink_out_of_the_folder_is_not_served(client, planner, reports_root):
    """A symlink in the tenant's folder pointing elsewhere is neither listed nor served."""
    (reports_root / planner.tenant_id / "link.html").symlink_to(reports_root / "top.html")
    names = [x["name"] for x in client.get("/v1/reports", headers=planner.headers).json()["data"]]
    assert names == ["trial-a.html"]
    assert client.get("/v1/reports/link.html", headers=planner.headers).status_code == 404


def test_drivers_may_not_read_reports(client, db, planner, reports_root):
    """Reports are for planners: a driver is refused."""
    driver = make_user(client, db, planner.tenant_id, "driver")
    assert client.get("/v1/reports", headers=driver.headers).status_code == 403
    assert client.get("/v1/reports/trial-a.html", headers=driver.headers).status_code == 403


def test_without_a_reports_dir_the_list_is_empty(client, planner):
    """No API_REPORTS_DIR: an empty list that says so, and every name is 404."""
    listing = client.get("/v1/reports", headers=planner.headers).json()
    assert listing == {"data": [], "count": 0, "configured": False}
    assert client.get("/v1/reports/trial-a.html", headers=planner.headers).status_code == 404

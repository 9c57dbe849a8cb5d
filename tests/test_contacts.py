"""Contact details match how support works: a ClearCenter Professional Support ticket is opened only in
the portal ('url'); email ('reply_email') only answers a ticket already open. Schema, checks, page and
feed all say so."""

from __future__ import annotations

import json

import jsonschema
from bs4 import BeautifulSoup

from conftest import REPO, VALID_APP
from policysite.check.rules import portal_only_methods

SCHEMA = json.loads((REPO / "schema/app.schema.json").read_text(encoding="utf-8"))
PORTAL = "https://portal.clearcenter.example/tickets"
PRO_OFF = ("  clearcenter_pro:\n    available: false\n    reason: ClearCenter has no agreement with the vendor.\n"
           "    alternative: Use the vendor's ticket service.\n")
PRO_ON = f"  clearcenter_pro:\n    available: true\n    url: {PORTAL}\n    reply_email: support@clearcenter.example\n"


def editor_errors(support_entry: dict, method: str = "clearcenter_pro") -> list[str]:
    """Validate one method entry as an editor does, against the app schema; return the messages."""
    validator = jsonschema.Draft202012Validator({**SCHEMA["properties"]["support"]["properties"][method], "$defs": SCHEMA["$defs"]})
    return [e.message for e in validator.iter_errors(support_entry)]


def contact_block(page: BeautifulSoup, method: str) -> dict[str, object]:
    """Return the dd element under each dt label of one method's contact list."""
    dl = page.select_one(f"#detail-{method} dl.contact")
    return {dt.get_text(strip=True): dt.find_next_sibling("dd") for dt in dl.find_all("dt")}


def test_the_schema_takes_a_reply_address_for_clearcenter_pro_and_refuses_a_plain_email():
    assert editor_errors({"available": True, "url": PORTAL, "reply_email": "support@clearcenter.example"}) == []
    assert editor_errors({"available": True, "url": PORTAL, "email": "support@clearcenter.example"}) == [
        "Additional properties are not allowed ('email' was unexpected)"]
    assert editor_errors({"available": True, "email": "help@vendor.example"}, "vendor") == []
    assert editor_errors({"available": True, "reply_email": "help@vendor.example"}, "vendor") == [
        "Additional properties are not allowed ('reply_email' was unexpected)"]


def test_the_schema_describes_the_reply_address_as_replies_only():
    described = SCHEMA["$defs"]["clearcenter_pro_policy"]["properties"]["reply_email"]["description"]
    assert "replies to a ticket already opened in the portal" in described and "subject line" in described
    assert "opens no ticket" in described


def test_portal_only_methods_are_read_from_the_app_schema():
    assert portal_only_methods() == {"clearcenter_pro"}


def test_a_plain_email_on_clearcenter_pro_is_refused_with_the_fields_to_use(project, capsys):
    project.app("sample_app", VALID_APP.replace(PRO_OFF, PRO_ON.replace("reply_email", "email")))
    status, _, err = project.run("check", capsys=capsys)
    assert status == 1
    assert err.splitlines() == [
        "content/apps/sample_app.yaml:25:5: support.clearcenter_pro.email: ClearCenter opens a ticket only in its portal, "
        "never by email; give the portal page in 'url', and an address that takes replies to an open ticket in 'reply_email'",
        "error: 1 problem in 1 file; site/ was not changed"]


def test_a_reply_address_is_a_contact_detail_and_held_to_the_email_rules(project, capsys):
    project.app("sample_app", VALID_APP.replace(PRO_OFF, PRO_OFF + "    reply_email: support@clearcenter.example\n"))
    project.app("other_app", VALID_APP.replace("Sample App", "Other App").replace(
        PRO_OFF, PRO_ON.replace("support@clearcenter.example", "support@127.0.0.1")))
    status, _, err = project.run("check", capsys=capsys)
    assert status == 1
    assert err.splitlines() == [
        "content/apps/other_app.yaml:25:18: support.clearcenter_pro.reply_email: expected an email address such as "
        "'support@example.com', got 'support@127.0.0.1' ('127.0.0.1' is a loopback address; link to a public host)",
        "content/apps/sample_app.yaml:26:5: support.clearcenter_pro.reply_email: contact details belong to available methods; "
        "remove it or set available: true",
        "error: 2 problems in 2 files; site/ was not changed"]


def test_the_page_opens_tickets_in_the_portal_and_labels_the_reply_address_as_replies_only(project, capsys):
    project.app("sample_app", VALID_APP.replace(PRO_OFF, PRO_ON))
    assert project.run(capsys=capsys)[0] == 0
    page = BeautifulSoup((project.out / "apps/sample_app/index.html").read_text(encoding="utf-8"), "html.parser")

    block = contact_block(page, "clearcenter_pro")
    assert list(block) == ["Open a ticket", "Replies by email"]
    assert [a["href"] for a in block["Open a ticket"].find_all("a")] == [PORTAL]
    assert "only in the portal" in block["Open a ticket"].get_text(" ", strip=True)
    reply = block["Replies by email"]
    assert [a["href"] for a in reply.find_all("a")] == ["mailto:support@clearcenter.example"]
    assert "keep the ticket reference in the subject line" in reply.get_text(" ", strip=True)
    assert "cannot open a new ticket" in reply.get_text(" ", strip=True)
    # a developer's ticket service still takes new requests by plain email
    assert list(contact_block(page, "vendor"))[:1] == ["Email"]


def test_an_announced_portal_and_reply_address_are_worded_the_same_way(project, capsys):
    change = ("    change:\n      from: 2027-01-31\n      url: https://portal.clearcenter.example/new\n"
              "      reply_email: replies@clearcenter.example\n")
    project.app("sample_app", VALID_APP.replace(PRO_OFF, PRO_ON + change))
    assert project.run(capsys=capsys)[0] == 0
    page = BeautifulSoup((project.out / "apps/sample_app/index.html").read_text(encoding="utf-8"), "html.parser")
    item = page.select_one('.announced li[data-method="clearcenter_pro"]')
    text = item.get_text(" ", strip=True)
    assert "open a ticket in the portal at https://portal.clearcenter.example/new" in text
    assert "keeping the ticket reference in the subject line" in text
    assert [a["href"] for a in item.find_all("a")] == ["https://portal.clearcenter.example/new", "mailto:replies@clearcenter.example"]
    detail = json.loads((project.out / "api/v1/apps/sample_app.json").read_text(encoding="utf-8"))
    assert [(a["id"], a["url"], a["reply_email"], "email" in a) for a in detail["app"]["announced"]] == [
        ("clearcenter_pro", "https://portal.clearcenter.example/new", "replies@clearcenter.example", False)]


def test_the_feed_carries_the_portal_and_reply_address_and_follows_its_published_schemas(project, capsys):
    project.app("sample_app", VALID_APP.replace(PRO_OFF, PRO_ON))
    assert project.run(capsys=capsys)[0] == 0
    feed = json.loads((project.out / "feed.json").read_text(encoding="utf-8"))
    detail = json.loads((project.out / "api/v1/apps/sample_app.json").read_text(encoding="utf-8"))
    expected = {"id": "clearcenter_pro", "bit": 8, "available": True, "url": PORTAL, "reply_email": "support@clearcenter.example"}
    for app in (feed["apps"][0], detail["app"]):
        assert next(m for m in app["methods"] if m["id"] == "clearcenter_pro") == expected
        assert next(m for m in app["methods"] if m["id"] == "vendor")["email"] == "help@vendor.example"
    for document, schema_file in ((feed, "feed.schema.json"), (detail, "app.schema.json")):
        schema = json.loads((project.out / "schema/v1" / schema_file).read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator(schema).validate(document)
        described = schema["$defs"]["policy"]["properties"]
        assert described["reply_email"]["description"].startswith("Since 1.2, optional, clearcenter_pro only")

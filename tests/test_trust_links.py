"""One rule for links everywhere (issue 11, item 7): contact fields and Markdown links refuse the same hosts,
user names, schemes and mailto: queries, by name and in place; contributor Markdown carries no class or invalid
attribute; amplified Markdown is refused before it is built."""

from __future__ import annotations

import html
import re
import string

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import VALID_APP
from policysite.check.addresses import email_problem, link_problem, url_problem
from policysite.check.schema import validator_for
from policysite.content.markup import MAX_APP_HTML, MAX_DOC_HTML, render_app_markdown, render_doc_markdown

URL_AT = "content/apps/sample_app.yaml:12:10: support.forum_casual.url"
EMAIL_AT = "content/apps/sample_app.yaml:18:12: support.vendor.email"
DESCRIPTION_AT = "content/apps/sample_app.yaml:7:14: description"
PUBLIC = "link to a public host"
OTHER_SCHEME = "only http://, https:// and mailto: links, or paths within the site, can be published"


def check_lines(project, capsys) -> list[str]:
    """Run check and return the problem lines, after asserting it failed and wrote nothing."""
    status, out, err = project.run("check", capsys=capsys)
    assert (status, out) == (1, "")
    assert not project.out.exists()
    return err.splitlines()[:-1]


def with_url(value: str) -> str:
    """Return the sample app with value as its forum_casual url."""
    return VALID_APP.replace("url: https://forum.example/sample", f"url: {value}")


def with_description(markdown: str) -> str:
    """Return the sample app with markdown as its description (a literal block)."""
    body = "".join(f"  {line}\n" if line else "\n" for line in markdown.split("\n"))
    return VALID_APP.replace("  A short description with **bold** text.\n", body)


URL_CASES = [
    ("https://127.0.0.1/sample", f"'127.0.0.1' is a loopback address; {PUBLIC}"),
    ("https://2130706433/", f"'2130706433' is 127.0.0.1, a loopback address, written another way; {PUBLIC}"),
    ("https://0x7f.1/", f"'0x7f.1' is 127.0.0.1, a loopback address, written another way; {PUBLIC}"),
    ("https://0177.0.0.1/", f"'0177.0.0.1' is 127.0.0.1, a loopback address, written another way; {PUBLIC}"),
    ("https://127.1/", f"'127.1' is 127.0.0.1, a loopback address, written another way; {PUBLIC}"),
    ("https://\uff11\uff12\uff17.0.0.1/", f"'\uff11\uff12\uff17.0.0.1' is 127.0.0.1, a loopback address, written another way; {PUBLIC}"),
    ("https://10.0.0.8/", f"'10.0.0.8' is a private address; {PUBLIC}"),
    ("https://192.168.1.1:8443/admin", f"'192.168.1.1' is a private address; {PUBLIC}"),
    ("http://169.254.169.254/latest/meta-data/", f"'169.254.169.254' is a link-local address; {PUBLIC}"),
    ("https://100.64.0.1/", f"'100.64.0.1' is a shared (carrier-grade NAT) address; {PUBLIC}"),
    ("https://224.0.0.251/", f"'224.0.0.251' is a multicast address; {PUBLIC}"),
    ("https://0.0.0.0/", f"'0.0.0.0' is the unspecified address; {PUBLIC}"),
    ("https://240.0.0.1/", f"'240.0.0.1' is a reserved address; {PUBLIC}"),
    ("https://192.0.2.10/", f"'192.0.2.10' is a documentation address; {PUBLIC}"),
    ("https://[::1]/", f"'[::1]' is a loopback address; {PUBLIC}"),
    ("https://[::]/", f"'[::]' is the unspecified address; {PUBLIC}"),
    ("https://[::ffff:127.0.0.1]/", f"'[::ffff:127.0.0.1]' leads to 127.0.0.1, a loopback address; {PUBLIC}"),
    ("https://[::ffff:7f00:1]/", f"'[::ffff:7f00:1]' leads to 127.0.0.1, a loopback address; {PUBLIC}"),
    ("https://[::10.0.0.1]/", f"'[::10.0.0.1]' leads to 10.0.0.1, a private address; {PUBLIC}"),
    ("https://[2002:c0a8:101::]/", f"'[2002:c0a8:101::]' leads to 192.168.1.1, a private address; {PUBLIC}"),
    ("https://[64:ff9b::a9fe:a9fe]/", f"'[64:ff9b::a9fe:a9fe]' leads to 169.254.169.254, a link-local address; {PUBLIC}"),
    ("https://[fe80::1]/", f"'[fe80::1]' is a link-local address; {PUBLIC}"),
    ("https://[fd12:3456::1]/", f"'[fd12:3456::1]' is a private address; {PUBLIC}"),
    ("https://[ff02::1]/", f"'[ff02::1]' is a multicast address; {PUBLIC}"),
    ("https://[fe80::1%25eth0]/", f"'[fe80::1%25eth0]' names a network interface of the reader's own machine; {PUBLIC}"),
    ("https://[v1.intranet]/", "'[v1.intranet]' is not a valid IPv6 address"),
    ("https://localhost/", f"'localhost' names the reader's own machine or local network; {PUBLIC}"),
    ("https://admin.localhost:8080/", f"'admin.localhost' names the reader's own machine or local network; {PUBLIC}"),
    ("https://nas.local/", f"'nas.local' names the reader's own machine or local network; {PUBLIC}"),
    ("https://router.home.arpa/", f"'router.home.arpa' names the reader's own machine or local network; {PUBLIC}"),
    ("https://134744072/", "'134744072' is the address 8.8.8.8 written another way; write it as '8.8.8.8'"),
    ("https://b\u00fccher.example/", "'b\u00fccher.example' is not written in ASCII; write it as 'xn--bcher-kva.example'"),
    ("https://stra\u00dfe.example/", "'stra\u00dfe.example' is not written in ASCII; write it as 'xn--strae-oqa.example'"),
    ("https://xn--pple-43d.example/", "'xn--pple-43d.example' reads as '\u0430pple.example', which mixes scripts and can pass for another name"),
    ("https://\u0430pple.example/", "'xn--pple-43d.example' reads as '\u0430pple.example', which mixes scripts and can pass for another name"),
    ("https://xn--abc.example/", "'xn--abc.example' is not a valid host name"),
    ("https://real.example@evil.example/", "a user name before '@' can disguise where a link goes; remove it"),
]


@pytest.mark.parametrize("value, detail", URL_CASES, ids=[v for v, _ in URL_CASES])
def test_a_contact_url_to_a_host_readers_cannot_reach_or_trust_is_refused(project, capsys, value, detail):
    project.app("sample_app", with_url(value))
    assert check_lines(project, capsys) == [f"{URL_AT}: expected an http:// or https:// address, got {value!r} ({detail})"]


@pytest.mark.parametrize("value, detail", [
    ("help%relay.example@vendor.example", "'%' before '@' can pass the mail on to another server; remove it"),
    ("help@127.0.0.1", f"'127.0.0.1' is a loopback address; {PUBLIC}"),
    ("help@0x7f.1", f"'0x7f.1' is 127.0.0.1, a loopback address, written another way; {PUBLIC}"),
    ("help@mail.localhost", f"'mail.localhost' names the reader's own machine or local network; {PUBLIC}"),
])
def test_an_email_address_that_can_be_rerouted_or_is_local_is_refused(project, capsys, value, detail):
    project.app("sample_app", VALID_APP.replace("email: help@vendor.example", f"email: {value}"))
    assert check_lines(project, capsys) == [
        f"{EMAIL_AT}: expected an email address such as 'support@example.com', got {value!r} ({detail})"]


def test_a_scheduled_change_and_the_links_fields_follow_the_same_rules(project, capsys):
    text = VALID_APP.replace("  clearcenter_consulting:\n    available: true\n", (
        "  clearcenter_consulting:\n    available: true\n    change:\n      from: 2027-01-31\n"
        "      url: http://10.1.2.3/tickets\n      email: sales%x@vendor.example\n"))
    project.app("sample_app", text + "links:\n  homepage: https://2130706433/\n  documentation: https://[::1]/docs\n")
    assert check_lines(project, capsys) == [
        f"content/apps/sample_app.yaml:30:12: support.clearcenter_consulting.change.url: expected an http:// or https:// "
        f"address, got 'http://10.1.2.3/tickets' ('10.1.2.3' is a private address; {PUBLIC})",
        "content/apps/sample_app.yaml:31:14: support.clearcenter_consulting.change.email: expected an email address such as "
        "'support@example.com', got 'sales%x@vendor.example' ('%' before '@' can pass the mail on to another server; remove it)",
        "content/apps/sample_app.yaml:47:13: links.homepage: expected an http:// or https:// address, got 'https://2130706433/' "
        f"('2130706433' is 127.0.0.1, a loopback address, written another way; {PUBLIC})",
        "content/apps/sample_app.yaml:48:18: links.documentation: expected an http:// or https:// address, got "
        f"'https://[::1]/docs' ('[::1]' is a loopback address; {PUBLIC})",
    ]


def test_a_final_line_break_in_an_address_is_refused(project, capsys):
    project.app("sample_app", with_url('"https://forum.example/sample\\n"'))
    assert check_lines(project, capsys) == [f"{URL_AT}: expected an http:// or https:// address, got "
                                            "'https://forum.example/sample\\n' (it holds '\\n', which an address may not contain)"]


def test_documentation_host_names_public_addresses_and_single_script_xn_names_stay_allowed(project, capsys):
    text = with_url("https://forum.test:8443/x?y=1#z").replace(
        "email: help@vendor.example", "email: help+apps@vendor.example\n    url: https://8.8.8.8/tickets")
    project.app("sample_app", text + "links:\n  homepage: https://xn--wgv71a119e.xn--bcher-kva.example/\n"
                "  documentation: https://[2606:4700:4700::1111]/docs\n")
    assert project.run("check", capsys=capsys)[::2] == (0, "")   # no problem and no warning


MARKDOWN_CASES = [
    ("[x](https://real.example@evil.example/)", "https://real.example@evil.example/",
     "a user name before '@' can disguise where a link goes; remove it"),
    ("<https://real.example@evil.example/>", "https://real.example@evil.example/",
     "a user name before '@' can disguise where a link goes; remove it"),
    ("[x](http://127.0.0.1:8080/)", "http://127.0.0.1:8080/", f"'127.0.0.1' is a loopback address; {PUBLIC}"),
    ("<http://2130706433/>", "http://2130706433/", f"'2130706433' is 127.0.0.1, a loopback address, written another way; {PUBLIC}"),
    ('<a href="http://[::ffff:10.0.0.1]/">x</a>', "http://[::ffff:10.0.0.1]/",
     f"'[::ffff:10.0.0.1]' leads to 10.0.0.1, a private address; {PUBLIC}"),
    ("[x](https://router.local/)", "https://router.local/", f"'router.local' names the reader's own machine or local network; {PUBLIC}"),
    ("[x](https://b\u00fccher.example/)", "https://b\u00fccher.example/",
     "'b\u00fccher.example' is not written in ASCII; write it as 'xn--bcher-kva.example'"),
    ("[x](mailto:help@vendor.example?bcc=all@evil.example)", "mailto:help@vendor.example?bcc=all@evil.example",
     "a mailto: link may not carry '?cc=', '?bcc=', '?body=' or any other query; link the address alone"),
    ('<a href="mailto:help@vendor.example?cc=x@evil.example">x</a>', "mailto:help@vendor.example?cc=x@evil.example",
     "a mailto: link may not carry '?cc=', '?bcc=', '?body=' or any other query; link the address alone"),
    ("[x](mailto:a@vendor.example,b@evil.example)", "mailto:a@vendor.example,b@evil.example",
     "expected one email address such as 'support@example.com' after 'mailto:'"),
    ("<help%evil.example@vendor.example>", "mailto:help%evil.example@vendor.example",
     "'%' before '@' can pass the mail on to another server; remove it"),
    ("[x](MAILTO:help@vendor.example)", "MAILTO:help@vendor.example", "write 'mailto:' in lower case"),
    ("[x](javascript:alert(1))", "javascript:alert(1)", OTHER_SCHEME),
    ("[x](data:text/html,hi)", "data:text/html,hi", OTHER_SCHEME),
    ("[x](ftp://files.example/)", "ftp://files.example/", OTHER_SCHEME),
    ("[x](//evil.example/)", "//evil.example/", "an address that starts with '//' leaves the site; write it in full with 'https://'"),
    ("[x](/\\\\evil.example/)", "/\\evil.example/", "it holds '\\\\', which an address may not contain"),
    ("[x](<https://a.example/it's>)", "https://a.example/it's", "it holds \"'\", which an address may not contain"),
    ("[x](https:evil.example)", "https:evil.example", "expected 'https://' and a host name"),
    ("[x](HTTPS://a.example/)", "HTTPS://a.example/", "write 'https:' in lower case"),
    ("![x](http://192.168.0.1/pixel.gif)", "http://192.168.0.1/pixel.gif", f"'192.168.0.1' is a private address; {PUBLIC}"),
]


def describe_link(href: str) -> str:
    """Quote a link as the messages do."""
    return repr(href if len(href) <= 60 else href[:57] + "...")


@pytest.mark.parametrize("markdown, href, reason", MARKDOWN_CASES, ids=[m for m, _, _ in MARKDOWN_CASES])
def test_a_link_in_a_description_follows_the_rule_of_the_address_fields(project, capsys, markdown, href, reason):
    project.app("sample_app", with_description(f"Read this.\n\n{markdown}"))
    assert check_lines(project, capsys) == [f"{DESCRIPTION_AT}: link {describe_link(href)} is not allowed; {reason}"]


@pytest.mark.parametrize("markdown, href, reason", MARKDOWN_CASES, ids=[m for m, _, _ in MARKDOWN_CASES])
def test_a_link_in_a_documentation_page_is_refused_on_its_line(project, capsys, markdown, href, reason):
    project.write("content/docs/policy.md", f"---\ntitle: Policy\nsummary: x\nlegend: true\n---\nIntro.\n\nSee\n{markdown}\n")
    column = markdown.find(href) + 1 or 1   # where the link stands as written, or the line's start when escapes change it
    assert check_lines(project, capsys) == [f"content/docs/policy.md:9:{column}: Markdown link {describe_link(href)} is not allowed; {reason}"]


def test_every_bad_link_is_listed_once_each_in_place_and_the_good_ones_pass(project, capsys):
    project.write("content/docs/policy.md", (
        "---\ntitle: Policy\nsummary: x\nlegend: true\n---\nIntro with [a page](../level2/), [a section](#top),\n"
        "[mail](mailto:help@vendor.example) and [the web](https://www.example.com/path?q=1).\n\n"
        "Ask [the forum](https://user@forum.example/) or\nthe [router](http://192.168.1.1/) twice: [again](http://192.168.1.1/).\n\n"
        "<p>Or <a href=\"mailto:a@vendor.example?bcc=b@evil.example\">mail us</a>.</p>\n\n"
        "Use [it][ref].\n\n[ref]: javascript:alert(1)\n"))
    assert check_lines(project, capsys) == [
        "content/docs/policy.md:9:17: Markdown link 'https://user@forum.example/' is not allowed; "
        "a user name before '@' can disguise where a link goes; remove it",
        f"content/docs/policy.md:10:14: Markdown link 'http://192.168.1.1/' is not allowed; '192.168.1.1' is a private address; {PUBLIC}",
        "content/docs/policy.md:12:16: Markdown link 'mailto:a@vendor.example?bcc=b@evil.example' is not allowed; "
        "a mailto: link may not carry '?cc=', '?bcc=', '?body=' or any other query; link the address alone",
        f"content/docs/policy.md:14:1: Markdown link 'javascript:alert(1)' is not allowed; {OTHER_SCHEME}",
    ]


def test_reference_links_that_amplify_a_description_are_refused_by_size(project, capsys):
    title, uses = "t" * 5000, 1500
    project.app("sample_app", with_description(f'[a]: /x "{title}"\n\n' + "[a][a]" * uses))   # 9,000 characters of uses
    size = len("<p>") + uses * len(f'<a href="/x" title="{title}">a</a>') + len("</p>\n")
    assert size > MAX_APP_HTML
    assert check_lines(project, capsys) == [f"{DESCRIPTION_AT}: renders to {size} characters of HTML; the limit is {MAX_APP_HTML}"]


def test_the_cap_counts_the_html_as_published_with_its_rel_attributes(project, capsys):
    uses = 3300
    project.app("sample_app", with_description("[a](/)" * uses))
    before = len("<p>") + uses * len('<a href="/">a</a>') + len("</p>\n")
    size = before + uses * len(' rel="nofollow ugc noopener noreferrer"')
    assert before <= MAX_APP_HTML < size
    assert check_lines(project, capsys) == [f"{DESCRIPTION_AT}: renders to {size} characters of HTML; the limit is {MAX_APP_HTML}"]


def test_an_amplified_documentation_page_is_refused_at_its_body(project, capsys):
    title, uses = "t" * 9000, 3000
    project.write("content/docs/policy.md", f'---\ntitle: Policy\nsummary: x\nlegend: true\n---\n[a]: /x "{title}"\n\n' + "[a][a]" * uses + "\n")
    size = len("<p>") + uses * len(f'<a href="/x" title="{title}">a</a>') + len("</p>\n")
    assert check_lines(project, capsys) == [f"content/docs/policy.md:6:1: Markdown renders to {size} characters of HTML; "
                                            f"the limit is {MAX_DOC_HTML}"]


PRESENTATIONAL = (
    '<p class="legend-swatch available" style="display:none" id="main" hidden dir="rtl" lang="x" title="t">forged</p>\n\n'
    '<code class="method-vendor language-x">x</code> <code class="language-python">y</code> <span class="sr-only">z</span>\n\n'
    '<a href="/apps/" class="button" title="a title">link</a>\n\n'
    '<ol start="abc"><li>a</li></ol>\n\n<ol start="-1"><li>b</li></ol>\n\n<ol start="1234567890"><li>c</li></ol>\n\n'
    '<ol start="7" type="i" reversed><li>d</li></ol>\n\n3. three\n4. four\n\n```bash\nls\n```\n'
)


def test_published_pages_carry_no_class_or_invalid_value_from_contributor_markdown(project, capsys):
    project.app("sample_app", with_description(PRESENTATIONAL))
    project.write("content/docs/policy.md", "---\ntitle: Policy\nsummary: x\nlegend: true\n---\n" + PRESENTATIONAL)
    assert project.run(capsys=capsys)[0] == 0
    for page in ("apps/sample_app/index.html", "policy/index.html"):
        prose = BeautifulSoup((project.out / page).read_text(encoding="utf-8"), "html.parser").select_one(".prose")
        assert "forged" in prose.get_text()
        attributes = sorted({(e.name, a) for e in prose.find_all(True) for a in e.attrs})
        assert attributes == [("a", "href"), ("a", "rel"), ("a", "title"), ("code", "class"), ("ol", "start")]
        assert [c.get("class") for c in prose.find_all("code") if c.get("class")] == [["language-x"], ["language-python"], ["language-bash"]]
        assert [o.get("start") for o in prose.find_all("ol")] == [None, None, None, "7", "3"]


# Hypothesis: the field rule and the Markdown rule agree on every URL.

LABELS = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True)
HOSTS = st.one_of(
    st.lists(LABELS, min_size=1, max_size=3).map(".".join).map(lambda h: h + ".example"),
    st.sampled_from(["localhost", "a.localhost", "nas.local", "x.internal", "example", "xn--pple-43d.example", "xn--abc.example",
                     "b\u00fccher.example", "\u0430pple.example", "exa mple.example", "-a.example", "a_b.example", "",
                     "%6cocalhost", "127.0.0.1.example", "example.123"]),
    st.ip_addresses(v=4).map(str),
    st.integers(0, 2**32 + 5).map(str),
    st.integers(0, 2**32 + 5).map(hex),
    st.tuples(st.integers(0, 300), st.integers(0, 70000)).map(lambda p: f"0{p[0]:o}.{p[1]}"),
    st.ip_addresses(v=6).map(lambda a: f"[{a}]"),
    st.ip_addresses(v=4).map(lambda a: f"[::ffff:{a}]"),
    st.sampled_from(["[v1.x]", "[::1%25lo]", "[1::2::3]", "[::1"]),
)
SAFE_PATH = st.text(alphabet=string.ascii_letters + string.digits + "/?#%&=;:@.~-_\u00e9", max_size=16)
HOSTILE_PATH = st.text(alphabet=string.ascii_letters + "/?#%&@'\"<>\\` \t", max_size=8)
URLS = st.builds(   # mostly plausible, so the host rules are reached; every odd part now and then
    lambda scheme, user, host, port, path: f"{scheme}{user}{host}{port}/{path}",
    st.sampled_from(["https://"] * 6 + ["http://"] * 3 + ["HTTPS://", "https:", "https:/", "//", "ftp://", "javascript:",
                                                          "mailto:", " https://"]),
    st.sampled_from([""] * 8 + ["user@", "a:b@", "real.example@", "x%40y@"]),
    HOSTS,
    st.sampled_from([""] * 6 + [":443", ":8080", ":0", ":65536", ":x", ":"]),
    st.one_of(SAFE_PATH, SAFE_PATH, HOSTILE_PATH),
)
EMAILS = st.builds(lambda local, host: f"{local}@{host}", st.text(alphabet=string.ascii_letters + "._%+-", min_size=1, max_size=8),
                   HOSTS.filter(lambda h: not h.startswith("[")))


def markdown_link(url: str) -> str:
    """Write url as a Markdown link whose destination, once parsed, is exactly url."""
    return "[x](<" + "".join("\\" + c if c in string.punctuation else c for c in url) + ">)"


def field_accepts_url(url: str) -> bool:
    """Return True if a URL field takes this value (schema pattern and length, then the address rules)."""
    return validator_for("app.schema.json", "web_url").is_valid(url) and url_problem(url) is None


def field_accepts_email(address: str) -> bool:
    """Return True if an email field takes this value (schema pattern and length, then the address rules)."""
    return validator_for("app.schema.json", "method_policy/properties/email").is_valid(address) and email_problem(address) is None


def markdown_accepts(markdown: str, render) -> bool:
    """Return True if rendering refuses nothing and publishes a link with an href."""
    rendered = render(markdown)
    return not rendered.refusals and BeautifulSoup(rendered.html, "html.parser").find("a", href=True) is not None


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(URLS)
def test_a_url_passes_in_markdown_exactly_when_it_passes_in_a_url_field(url):
    assume("\n" not in url and "\r" not in url)
    expected = field_accepts_url(url)
    assert link_problem(url) is None if expected else link_problem(url) is not None
    assert markdown_accepts(markdown_link(url), render_app_markdown) == expected
    assert markdown_accepts(markdown_link(url), render_doc_markdown) == expected
    assert markdown_accepts(f'<a href="{html.escape(url)}">x</a>', render_app_markdown) == expected


@settings(max_examples=200, deadline=None)
@given(EMAILS)
def test_a_mailto_link_passes_exactly_when_its_address_passes_in_an_email_field(address):
    assume("\n" not in address)
    expected = field_accepts_email(address)
    assert markdown_accepts(markdown_link("mailto:" + address), render_app_markdown) == expected
    assert link_problem("mailto:" + address + "?bcc=x@y.example") is not None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(URLS, st.sampled_from(["/apps/x/", "../level2/", "#top", "mailto:a@b.example"])), min_size=1, max_size=5),
       st.text(alphabet="[]()<>*_`&#;\n -ax", max_size=40))   # no '\\' (it can make a link) nor '!' ('<!--' hides the rest)
def test_no_published_href_breaks_the_link_rule(urls, noise):
    markdown = noise + "\n\n" + " ".join(markdown_link(u) for u in urls) + "\n\n" + "".join(
        f'<a href="{html.escape(u)}">y</a>' for u in urls)
    for render in (render_app_markdown, render_doc_markdown):
        rendered = render(markdown)
        hrefs = [a["href"] for a in BeautifulSoup(rendered.html, "html.parser").find_all("a", href=True)]
        assert [h for h in hrefs if link_problem(h, limit=False)] == []
        assert bool(rendered.refusals) == any(link_problem(u) for u in urls if "\n" not in u and "\r" not in u)


def test_a_link_only_the_browser_sees_across_two_blocks_is_refused_at_the_body(project, capsys):
    # An HTML block that ends inside an attribute: the value runs on into the next block's HTML, which
    # no Markdown token shows. The check of the sanitiser's output still sees it, so it is refused, located at the body.
    project.write("content/docs/policy.md", "---\ntitle: Policy\nsummary: x\nlegend: true\n---\n"
                  '<div><a href="http://10.0.0.2/\n\ntext">x</a></div>\n\n[ok](https://a.example/)\n')
    href = 'http://10.0.0.2/\n<p>text">x</a></div></p>\n<p><a href='
    assert check_lines(project, capsys) == [
        f"content/docs/policy.md:6:1: Markdown link {describe_link(href)} is not allowed; it holds '\\n', which an address may not contain"]


def test_a_refused_description_is_refused_again_by_the_next_build(project, capsys):
    project.app("sample_app", with_description("[x](http://127.0.0.1/)"))
    expected = [f"{DESCRIPTION_AT}: link 'http://127.0.0.1/' is not allowed; '127.0.0.1' is a loopback address; {PUBLIC}"]
    for _ in range(2):
        status, _, err = project.run(capsys=capsys)
        assert (status, err.splitlines()[:-1]) == (1, expected)


def test_amplified_markdown_is_measured_without_being_built():
    import tracemalloc

    text = '[a]: /x "' + "t" * 9900 + '"\n\n' + "[a][a]" * 1700   # 16.9 million characters of HTML
    tracemalloc.start()
    rendered = render_app_markdown(text)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    size = len("<p>") + 1700 * len('<a href="/x" title="' + "t" * 9900 + '">a</a>') + len("</p>\n")
    assert [r.message for r in rendered.refusals] == [f"renders to {size} characters of HTML; the limit is {MAX_APP_HTML}"]
    assert peak < size / 4   # building it would hold at least size bytes


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="[]()<>!*_`\\&#;:\"'|-\n ax1.", max_size=120))
def test_the_measured_pieces_are_exactly_what_markdown_it_renders(text):
    from policysite.content.markup import _app_md, _doc_md, render_capped

    for parser in (_app_md, _doc_md):
        env: dict = {}
        tokens = parser.parse(text, env)
        expected = parser.renderer.render(tokens, parser.options, env)
        assert render_capped(parser, tokens, env, 10**9) == (expected, len(expected))
        assert render_capped(parser, tokens, env, len(expected) - 1) == (None, len(expected)) if expected else True


@settings(max_examples=500, deadline=None)
@given(st.one_of(URLS, EMAILS, st.text(max_size=40), st.text(alphabet="0123456789xX.:[]%@/", max_size=30).map(lambda t: "http://" + t)))
def test_the_address_rules_answer_any_text_without_a_traceback(text):
    for rule in (url_problem, email_problem, link_problem):
        assert rule(text) is None or isinstance(rule(text), str)
    for render in (render_app_markdown, render_doc_markdown):
        assert isinstance(render(markdown_link(text) + f'\n\n<a href="{html.escape(text)}">x</a> <{text}>').html, str)


def test_no_python_callback_runs_inside_the_sanitiser(monkeypatch):
    # nh3 prints and swallows any exception raised in a Python callback: a Ctrl-C (or the SIGTERM the
    # build turns into one) arriving then would vanish, and the build would go on. So none is passed.
    from policysite.content import markup

    real, calls = markup.nh3.clean, []

    def clean(*args, **kwargs):
        calls.append([name for name, value in kwargs.items() if callable(value)])
        return real(*args, **kwargs)

    monkeypatch.setattr(markup.nh3, "clean", clean)
    assert not render_app_markdown("[x](https://a.example/) <code class='language-x'>y</code>").refusals
    assert calls == [[]]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "A", "abbr", "p", "code"]),
                          st.lists(st.tuples(st.sampled_from(["href", "HREF", "title", "x", "href "]),
                                             st.text(alphabet="ab/:<>\"'&;#= \u00a0\t\n", max_size=10)), max_size=3)),
                max_size=4))
def test_the_hrefs_read_back_from_the_sanitiser_are_what_an_html_parser_reads(tags):
    import nh3

    from policysite.check.links import hrefs_in

    raw = "".join(f"<{t}" + "".join(f' {n}="{html.escape(v)}"' for n, v in attrs) + f">x</{t}>" for t, attrs in tags)
    clean = nh3.clean(raw, tags={"a", "abbr", "p", "code"}, attributes={"a": {"href", "title"}})
    assert hrefs_in(clean) == [a["href"] for a in BeautifulSoup(clean, "html.parser").find_all("a", href=True)]

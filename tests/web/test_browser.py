"""The web UI end to end, in Debian's headless Chromium driven by Playwright, against a real
`zonekeeper serve` (API, worker, mini-DNS): a zone and its A, MX and TXT records made through
the forms, a bad address refused next to its field, the status turning ACTIVE by itself, the
record checked with dnspython at the mini-DNS, then deleted; a second project sees none of it.

With ``ZONEKEEPER_UI_SCREENSHOTS=DIR`` the test also saves the screenshots docs/ui.md shows.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from tests.e2e.serve import Serve

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ZONE = "ui-test.example."
DEADLINE_MS = 15_000
"""Generous: the worker makes a change ACTIVE in well under a second here."""

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def starting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Future[Serve]]:
    """`zonekeeper serve` starting in a thread, so that Chromium starts meanwhile."""
    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(Serve, tmp_path_factory.mktemp("web") / "data")
        try:
            yield future
        finally:
            server = future.result()
            if server.process.poll() is None:
                server.terminate()


@pytest.fixture(scope="module")
def browser(starting: Future[Serve]) -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "Debian's chromium is needed: apt-get install chromium"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def served(starting: Future[Serve], browser: Browser) -> Serve:
    return starting.result()


Shoot = Callable[[Page | Locator, str], None]


@pytest.fixture
def shoot() -> Shoot:
    """Saves a screenshot of a page (whole) or of one element as DIR/<name>.png when
    ZONEKEEPER_UI_SCREENSHOTS=DIR."""
    folder = os.environ.get("ZONEKEEPER_UI_SCREENSHOTS")

    def save(what: Page | Locator, name: str) -> None:
        path = str(Path(folder or ".") / f"{name}.png")
        if folder and isinstance(what, Page):
            what.screenshot(path=path, full_page=True)
        elif folder:
            what.screenshot(path=path)

    return save


def sign_in(browser: Browser, served: Serve, project: str) -> Page:
    """A fresh browser context signed in (noauth picker) as a member of ``project``."""
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{served.base_url}/ui/")
    expect(page).to_have_url(f"{served.base_url}/ui/login")
    page.get_by_label("Project ID").fill(project)
    page.get_by_label("Roles").select_option("member,reader")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Zones", exact=True)).to_be_visible()
    return page


def fill_record(page: Page, rtype: str, name: str, **values: str) -> None:
    page.get_by_label("Type", exact=True).select_option(rtype)
    page.get_by_label("Name", exact=True).fill(name)
    for label, value in values.items():
        page.locator(f"#value-0-{label}").fill(value)
    page.get_by_role("button", name="Add record").click()


def add_record(page: Page, rtype: str, name: str, **values: str) -> None:
    """Fills and sends the form, then waits for the row (the form is reset by then)."""
    fill_record(page, rtype, name, **values)
    owner = f"{name}.{ZONE}" if name else ZONE
    expect(record_row(page, owner, rtype)).to_have_count(1, timeout=DEADLINE_MS)


def record_row(page: Page, name: str, rtype: str) -> Locator:
    return page.locator(f'#records tr[data-name="{name}"][data-type="{rtype}"]')


def ask(served: Serve, name: str, rtype: str) -> dns.message.Message:
    query = dns.message.make_query(name, rtype)
    return dns.query.udp(query, "127.0.0.1", port=served.dns_port, timeout=2)


def wait_for_answer(served: Serve, name: str, rtype: str, expect_rcode: int) -> dns.message.Message:
    deadline = time.monotonic() + DEADLINE_MS / 1000
    while True:
        answer = ask(served, name, rtype)
        if answer.rcode() == expect_rcode or time.monotonic() > deadline:
            return answer
        time.sleep(0.05)


def test_a_member_manages_records_through_the_forms(
    served: Serve, browser: Browser, shoot: Shoot
) -> None:
    page = sign_in(browser, served, "ui-project-a")
    page.get_by_label("Name").fill(ZONE)
    page.get_by_label("Contact email").fill("hostmaster@ui-test.example")
    page.get_by_role("button", name="Create zone").click()
    row = page.locator(f'#zones tr[data-zone="{ZONE}"]')
    expect(row.locator(".status")).to_have_text("ACTIVE", timeout=DEADLINE_MS)
    shoot(page, "zones")
    row.get_by_role("link", name=ZONE).click()
    expect(page.get_by_role("heading", name=ZONE)).to_be_visible()

    # A bad address is refused next to its field, before anything is sent.
    fill_record(page, "A", "www", address="192.0.2.300")
    error = page.locator("#value-0-error")
    expect(error).to_contain_text("'192.0.2.300' is not a 'A' Record")
    expect(page.locator("#value-0-address")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#value-0-address")).to_be_focused()
    shoot(page.locator("#record-form").locator(".."), "record-error")

    page.locator("#value-0-address").fill("192.0.2.10")
    page.get_by_role("button", name="Add record").click()
    www = record_row(page, f"www.{ZONE}", "A")
    expect(www.locator(".status")).to_have_text("ACTIVE", timeout=DEADLINE_MS)
    expect(error).to_be_empty()

    add_record(page, "MX", "", priority="10", host=f"mail.{ZONE}")
    # Typed without quotes: the form quotes, escapes and cuts it into <= 255-byte strings.
    long_text = 'say "hi" ' + "x" * 300
    add_record(page, "TXT", "txt", text=long_text)
    expect(record_row(page, ZONE, "MX").locator(".status")).to_have_text(
        "ACTIVE", timeout=DEADLINE_MS
    )
    expect(record_row(page, f"txt.{ZONE}", "TXT").locator(".status")).to_have_text(
        "ACTIVE", timeout=DEADLINE_MS
    )
    expect(page.locator("#zone-status")).to_have_text("ACTIVE", timeout=DEADLINE_MS)
    expect(page.locator("#sync tbody")).to_contain_text(f"127.0.0.1:{served.dns_port}")
    expect(page.locator("#dig")).to_contain_text(f"dig @127.0.0.1 -p {served.dns_port}")
    shoot(page, "zone")

    assert [r.to_text() for r in ask(served, f"www.{ZONE}", "A").answer[0]] == ["192.0.2.10"]
    (txt,) = ask(served, f"txt.{ZONE}", "TXT").answer[0]
    assert [len(part) for part in txt.strings] == [253, len(long_text) - 253]
    assert b"".join(txt.strings).decode() == long_text

    # Editing fills the MX form from the record; the new priority is served.
    page.get_by_role("button", name=f"Edit MX {ZONE}").click()
    expect(page.locator("#value-0-host")).to_have_value(f"mail.{ZONE}")
    page.locator("#value-0-priority").fill("20")
    page.get_by_role("button", name="Save changes").click()
    mx = record_row(page, ZONE, "MX")
    expect(mx.locator(".data")).to_have_text(f"20 mail.{ZONE}", timeout=DEADLINE_MS)
    expect(mx.locator(".status")).to_have_text("ACTIVE", timeout=DEADLINE_MS)
    assert [r.to_text() for r in ask(served, ZONE, "MX").answer[0]] == [f"20 mail.{ZONE}"]

    # The filter narrows the table to matching rows.
    page.get_by_label("Filter records").fill("mail")
    expect(page.locator("#records tbody tr")).to_have_count(1)
    page.get_by_label("Filter records").fill("")

    page.get_by_role("button", name=f"Delete A www.{ZONE}").click()
    expect(www).to_have_count(0, timeout=DEADLINE_MS)
    gone = wait_for_answer(served, f"www.{ZONE}", "A", dns.rcode.NXDOMAIN)
    assert gone.rcode() == dns.rcode.NXDOMAIN

    # A phone-sized window shows the same page, one column.
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.locator("#records thead")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shoot(page, "zone-phone")

    other = sign_in(browser, served, "ui-project-b")
    expect(other.locator("#zones tbody")).to_contain_text("No zones yet")
    other.goto(page.url)
    expect(other.locator("#zone-message")).to_contain_text("Could not find Zone")


def test_a_zone_file_is_imported_and_exported(served: Serve, browser: Browser) -> None:
    page = sign_in(browser, served, "ui-project-c")
    page.get_by_label("…or paste it").fill(
        "$ORIGIN imported.example.\n$TTL 300\n"
        "@ IN SOA ns1.imported.example. hostmaster.imported.example. 1 3600 600 86400 300\n"
        "www IN A 192.0.2.44\n"
    )
    page.get_by_role("button", name="Import").click()
    row = page.locator('#zones tr[data-zone="imported.example."]')
    expect(row.locator(".status")).to_have_text("ACTIVE", timeout=DEADLINE_MS)
    assert [r.to_text() for r in ask(served, "www.imported.example.", "A").answer[0]] == [
        "192.0.2.44"
    ]
    page.get_by_label("…or paste it").fill(
        "$ORIGIN broken.example.\n"
        "@ 300 IN SOA ns1.broken.example. h.broken.example. 1 3600 600 86400 300\n"
        "www IN A 192.0.2.300\n"
    )
    page.get_by_role("button", name="Import").click()
    expect(page.locator("#import-form .field-error")).to_contain_text("192.0.2.300")

    row.get_by_role("link").click()
    page.get_by_role("button", name="Export zone file").click()
    exported = page.locator("#export-text")
    expect(exported).to_contain_text("$ORIGIN imported.example.", timeout=DEADLINE_MS)
    expect(exported).to_contain_text("192.0.2.44")


def test_state_changes_need_the_pages_csrf_token(served: Serve) -> None:
    assert f"web UI on {served.base_url}/ui/" in "\n".join(served.lines)
    with httpx.Client(base_url=served.base_url) as client:
        form = client.get("/ui/login").text
        token = form.split('name="csrf-token" content="')[1].split('"')[0]
        refused = client.post("/ui/login", data={"project_id": "p", "roles": "admin"})
        assert refused.status_code == 403
        signed_in = client.post(
            "/ui/login", data={"project_id": "p", "roles": "admin", "csrf_token": token}
        )
        assert signed_in.status_code == 303
        zone = {"name": "csrf.example.", "email": "a@csrf.example"}
        assert client.post("/ui/api/v2/zones", json=zone).status_code == 403
        made = client.post("/ui/api/v2/zones", json=zone, headers={"X-CSRF-Token": token})
        assert made.status_code == 202, made.text
        assert made.json()["project_id"] == "p"

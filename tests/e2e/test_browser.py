"""The self-service page in a real browser: Debian's chromium, headless,
driven by chromedriver through python3-selenium. Screenshots at 320 and
1280 px go to tests/e2e/output/ (AUTOMX_E2E_OUTPUT overrides), which git
ignores."""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from harness import REPO, SQL, make_sqlite_db

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

from test_self_service import IPHONE  # noqa: E402

OUTPUT = Path(os.environ.get("AUTOMX_E2E_OUTPUT", REPO / "tests" / "e2e" / "output"))
CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")


def unavailable(reason):
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def site(workdir):
    from harness import Httpd
    db = make_sqlite_db(workdir / "browser" / "automx.db", SQL / "sample-data.sql")
    h = Httpd(workdir / "httpd-browser")
    h.start(dbdparams=str(db), extra='AutomxSiteTitle "Example Mail setup"\n'
                                     "AutomxSiteSupport https://help.example.com/")
    h.mark()
    h.expected = []
    yield h
    bad = h.unexpected_log_lines()
    h.stop()
    assert not bad, "unexpected error log lines:\n" + "\n".join(bad)


def browser(user_agent=None):
    if not CHROMIUM or not CHROMEDRIVER:
        unavailable("chromium and chromium-driver are not installed")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--hide-scrollbars", "--force-device-scale-factor=1"]:
        opts.add_argument(arg)
    if user_agent:
        opts.add_argument("--user-agent=" + user_agent)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=CHROMEDRIVER)
    return webdriver.Chrome(options=opts, service=service)


def console_errors(drv):
    return [e for e in drv.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]


def shoot(drv, width, name):
    """A screenshot of the whole page at WIDTH; asserts nothing sticks out."""
    drv.set_window_size(width, 800)
    inner = drv.execute_script("return window.innerWidth")
    # Window decorations: make the viewport itself WIDTH wide.
    drv.set_window_size(width + (width - inner), 800)
    assert drv.execute_script("return window.innerWidth") == width
    # Tall enough for the whole page: the window is larger than the viewport.
    for _ in range(3):
        height = drv.execute_script("return document.documentElement.scrollHeight")
        if drv.execute_script("return window.innerHeight") >= height:
            break
        outer = drv.get_window_size()["height"]
        drv.set_window_size(width + (width - inner),
                            outer + height - drv.execute_script("return window.innerHeight"))
    assert drv.execute_script("return window.innerHeight") >= height
    assert drv.execute_script("return document.documentElement.scrollWidth") <= width, \
        f"the page is wider than {width} px"
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = OUTPUT / name
    drv.save_screenshot(str(path))
    return path


def test_form_settings_profile_and_screenshots(site):
    drv = browser(IPHONE)
    try:
        drv.get(f"http://127.0.0.1:{site.port}/")
        box = drv.find_element(By.ID, "emailaddress")
        box.send_keys("user@example.com")
        drv.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        assert drv.current_url == f"http://127.0.0.1:{site.port}/?emailaddress=user%40example.com"
        assert drv.title == "Example Mail setup"
        rows = [[td.text for td in tr.find_elements(By.TAG_NAME, "td")]
                for tr in drv.find_elements(By.CSS_SELECTOR, "#mail-settings tbody tr")]
        assert rows == [
            ["Incoming (IMAP)", "imap1.example.com", "143", "STARTTLS", "user@example.com"],
            ["Outgoing (SMTP)", "primary-smtp.example.com", "587", "STARTTLS", "user@example.com"]]
        dav = drv.find_elements(By.CSS_SELECTOR, "#dav-settings tbody tr td")
        assert "https://caldav.example.com" in [td.text for td in dav]
        button = drv.find_element(By.ID, "install-profile")
        assert button.text == "Install profile" and button.is_displayed()
        href = button.get_attribute("href")
        assert href == f"http://127.0.0.1:{site.port}/mobileconfig/?emailaddress=user%40example.com"
        wide = shoot(drv, 1280, "self-service-iphone-1280.png")
        narrow = shoot(drv, 320, "self-service-iphone-320.png")
        assert drv.find_element(By.ID, "install-profile").is_displayed()
        errors = console_errors(drv)
        assert not errors, errors
    finally:
        drv.quit()
    # The link gives the profile.
    path = href.split(str(site.port), 1)[1]
    r = site.get(path, headers={"User-Agent": IPHONE})
    assert r.status == 200
    assert r.header("Content-Type") == "application/x-apple-aspen-config"
    assert b"<string>imap1.example.com</string>" in r.body
    # The QR code on the screen reads back as the page's URL.
    zbar = shutil.which("zbarimg")
    if zbar is None:
        unavailable("zbar-tools is not installed")
    for shot in (wide, narrow):
        out = subprocess.run([zbar, "--quiet", "--raw", str(shot)], capture_output=True,
                             text=True, timeout=30)
        assert out.stdout.strip() == \
            f"http://127.0.0.1:{site.port}/?emailaddress=user%40example.com", (shot, out)


def test_desktop_and_no_console_errors_on_every_page(site):
    drv = browser()
    try:
        for query, status_text in [("", "Enter your email address"),
                                   ("?emailaddress=user%40example.net", "configure themselves"),
                                   ("?emailaddress=x%40unknown.example", "No settings for"),
                                   ("?emailaddress=not-an-address", "not an email address")]:
            drv.get(f"http://127.0.0.1:{site.port}/{query}")
            assert status_text in drv.find_element(By.TAG_NAME, "main").text
            errors = console_errors(drv)
            # Chromium reports a 400 page's own status as a console error.
            if "not-an-address" in query:
                errors = [e for e in errors if "400" not in e["message"]]
            assert not errors, (query, errors)
        drv.get(f"http://127.0.0.1:{site.port}/?emailaddress=user%40example.com")
        shoot(drv, 1280, "self-service-desktop-1280.png")
        shoot(drv, 320, "self-service-desktop-320.png")
        support = drv.find_element(By.ID, "support")
        assert support.is_displayed() and support.get_attribute("href") == "https://help.example.com/"
        assert not console_errors(drv)
    finally:
        drv.quit()

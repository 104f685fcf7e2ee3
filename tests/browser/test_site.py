"""The built book in a real browser (headless Chromium): what a reader sees.

Run after `make book` (`make browser` does both). Needs Debian's `chromium` and `chromium-driver`
(`apt-get install chromium chromium-driver`); without them every test here is skipped with that message.
Screenshots land in _build/screenshots/.
"""
import functools
import http.server
import re
import shutil
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
CHAPTERS = re.findall(r"file:\s*(notebooks/\S+)", (ROOT / "_toc.yml").read_text())
REPO = re.search(r"^repository:\s*\n\s+url:\s*https://github.com/(\S+)", (ROOT / "_config.yml").read_text(), re.M).group(1)

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -r requirements.txt)")


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site():
    if not (HTML / "index.html").exists():
        pytest.skip("the book is not built: run `make book` first")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(HTML)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver):
        pytest.skip("headless Chromium is not installed: apt-get install chromium chromium-driver")
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for arg in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,1000"]:
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(driver), options=opts)
    drv.set_script_timeout(60)
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield drv
    drv.quit()


def load(browser, url):
    """Open a page, wait for MathJax to finish, and return its JavaScript errors and failed loads.

    (Console messages that the theme logs at error level, such as its theme-mode notice, are not errors.)
    """
    browser.get_log("browser")                   # drop what earlier pages logged
    browser.get(url)
    browser.execute_async_script("""
        const done = arguments[arguments.length - 1];
        const wait = () => (window.MathJax && MathJax.startup && MathJax.startup.promise)
            ? MathJax.startup.promise.then(() => done(true)) : setTimeout(wait, 100);
        if (document.querySelector('script[src*="vendor/mathjax"]')) wait(); else done(false);""")
    time.sleep(0.5)                              # widgets render after the page's load event
    return [e["message"] for e in browser.get_log("browser")
            if e["level"] == "SEVERE" and e.get("source") in ("javascript", "network")
            and "favicon.ico" not in e["message"]]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_page_reads_well(site, browser, chapter):
    errors = load(browser, f"{site}/{chapter}.html")
    name = Path(chapter).name
    browser.save_screenshot(str(SHOTS / f"{name}.png"))
    assert errors == [], f"JavaScript errors or failed loads on {chapter}: {errors}"
    # math is typeset by MathJax, and no raw TeX delimiters are left in the text
    assert browser.execute_script("return document.querySelectorAll('mjx-container').length") > 0
    text = browser.execute_script("return document.querySelector('main').innerText")
    assert "$$" not in text
    # every image has loaded
    broken = browser.execute_script(
        "return Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)")
    assert broken == []
    # code fits the column: no horizontal scrollbar on any code cell at a 1280 px window
    overflow = browser.execute_script(
        "return Array.from(document.querySelectorAll('main div.cell_input pre'))"
        ".filter(p => p.scrollWidth > p.clientWidth + 1).map(p => p.innerText.split('\\n')[0].slice(0, 60))")
    assert overflow == [], f"code wider than the column on {chapter}: {overflow}"
    # every figure of a cell output says what it shows (widget frames are switched by the explorer controls)
    mute = browser.execute_script(
        "return Array.from(document.querySelectorAll('main .cell_output img'))"
        ".filter(i => !i.closest('.widget-image, .jupyter-widgets') && !(i.alt || '').trim())"
        ".map(i => i.src.slice(-40))")
    assert mute == [], f"figures without alt text on {chapter}: {mute}"
    # the launch buttons open this very notebook
    links = browser.execute_script("return Array.from(document.querySelectorAll('a')).map(a => a.href)")
    assert f"https://colab.research.google.com/github/{REPO}/blob/main/{chapter}.ipynb" in links
    assert any(h.startswith(f"https://mybinder.org/v2/gh/{REPO}/main?urlpath=") and name in h for h in links)
    # the page says what its outputs were produced with
    assert "were produced by running the notebook" in text


@pytest.mark.parametrize("page", ["book/intro", "book/notation", "book/references"])
def test_front_matter_loads_cleanly(site, browser, page):
    errors = load(browser, f"{site}/{page}.html")
    browser.save_screenshot(str(SHOTS / f"{Path(page).name}.png"))
    assert errors == []


def test_front_page_opens_with_figures_that_link_to_their_chapters(site, browser):
    """The opening figure and the gallery are pasted from the chapters' stored outputs, with their alt texts."""
    assert load(browser, f"{site}/book/intro.html") == []
    images = browser.execute_script(
        "return Array.from(document.querySelectorAll('main img'))"
        ".map(i => [i.complete && i.naturalWidth > 0, (i.alt || '').trim().length])")
    assert len(images) >= 7 and all(ok and alt > 20 for ok, alt in images), images
    cards = browser.execute_script(
        "return Array.from(document.querySelectorAll('main .sd-card'))"
        ".map(c => [c.querySelector('a.sd-stretched-link')?.href || '', c.querySelectorAll('img').length])")
    linked = sorted(re.search(r"notebooks/(\w+)\.html", href).group(1) for href, n in cards if n == 1)
    assert linked == sorted(Path(c).name for c in CHAPTERS[:6]), cards
    browser.save_screenshot(str(SHOTS / "front_page.png"))


def visible_frame(browser, explorer):
    """The data URL of the image the explorer currently shows."""
    return browser.execute_script(
        "return Array.from(arguments[0].querySelectorAll('img')).filter(i => i.offsetParent !== null)"
        ".map(i => i.src.slice(-200))", explorer)


def test_explorer_slider_changes_the_figure(site, browser):
    """The precomputed explorer works in the static page: moving its slider shows another figure."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    assert load(browser, f"{site}/notebooks/03_vanishing_gradients.html") == []
    explorers = [e for e in browser.find_elements(By.CSS_SELECTOR, ".widget-vbox")
                 if e.find_elements(By.CSS_SELECTOR, ".noUi-handle") and e.find_elements(By.TAG_NAME, "img")]
    assert explorers, "no explorer with a slider and a figure on the page"
    explorer = explorers[0]
    browser.execute_script("arguments[0].scrollIntoView()", explorer)
    before = visible_frame(browser, explorer)
    explorer.find_element(By.CSS_SELECTOR, ".noUi-handle").send_keys(Keys.ARROW_RIGHT)
    time.sleep(0.5)
    after = visible_frame(browser, explorer)
    browser.save_screenshot(str(SHOTS / "explorer-after-slider.png"))
    assert len(before) == len(after) == 1 and before != after

"""The language-model chapter in headless Chromium: text coloured by a unit, and its kernel-free explorer.

Run after `make book` (`make browser` runs every browser test). Screenshots of each coloured text and of
the explorer before and after its slider moves land in _build/screenshots/.
"""
import time

import pytest

from test_site import SHOTS, browser, load, site  # noqa: F401  (fixtures shared with the site tests)

PAGE = "notebooks/09_language_model.html"


def coloured_blocks(browser):
    from selenium.webdriver.common.by import By
    return [e for e in browser.find_elements(By.CSS_SELECTOR, ".seqlearn-coloured") if e.is_displayed()]


def test_coloured_text_renders_with_its_colours_in_the_static_page(site, browser):  # noqa: F811
    assert load(browser, f"{site}/{PAGE}") == []
    blocks = coloured_blocks(browser)
    assert len(blocks) >= 4, "the unit figures are missing"
    for k, block in enumerate(blocks):
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", block)
        colours = browser.execute_script(
            "return Array.from(arguments[0].querySelectorAll('pre span'))"
            ".map(s => getComputedStyle(s).backgroundColor)", block)
        assert len(set(colours)) > 5, "a coloured text shows fewer than five shades"
        assert browser.execute_script("return getComputedStyle(arguments[0]).backgroundColor", block) \
            == "rgb(255, 255, 255)"                          # light, on the light and the dark theme
        block.screenshot(str(SHOTS / f"09_coloured_{k}.png"))


def test_unit_explorer_switches_frames_without_a_kernel(site, browser):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    assert load(browser, f"{site}/{PAGE}") == []
    explorers = [e for e in browser.find_elements(By.CSS_SELECTOR, ".widget-vbox")
                 if e.find_elements(By.CSS_SELECTOR, ".noUi-handle")
                 and e.find_elements(By.CSS_SELECTOR, ".seqlearn-coloured")]
    assert explorers, "no unit explorer with a slider and coloured text on the page"
    explorer = explorers[0]
    browser.execute_script("arguments[0].scrollIntoView()", explorer)
    shown = lambda: [b.text.splitlines()[0] for b in explorer.find_elements(  # noqa: E731
        By.CSS_SELECTOR, ".seqlearn-coloured") if b.is_displayed()]
    before = shown()
    explorer.screenshot(str(SHOTS / "09_explorer_before.png"))
    explorer.find_element(By.CSS_SELECTOR, ".noUi-handle").send_keys(Keys.ARROW_RIGHT)
    time.sleep(0.5)
    after = shown()
    explorer.screenshot(str(SHOTS / "09_explorer_after.png"))
    assert len(before) == len(after) == 1 and before != after
    assert before[0].startswith("Unit ") and after[0].startswith("Unit ")


if __name__ == "__main__":
    pytest.main([__file__])

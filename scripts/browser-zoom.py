"""Drives the HTML report's time graphs in headless Chromium with real input (run by browser-test.sh).

Usage: browser-zoom.py REPORT.html CHROMIUM CHROMEDRIVER [SCREENSHOT.png]

Through chromedriver (given by path: selenium-manager, which downloads drivers, is never used) it wheels over the
first time-sequence graph, drags it and double-clicks it, and checks in the page: the visible time range
(`data-view`, which the report's script keeps) narrows around the pointer on a wheel up, moves by the drag without
changing its span, comes back on a double-click; the same connection's other graphs follow; the x tick labels are
redrawn; the page logs no script error. With SCREENSHOT it saves the report's first connection with its time
graphs, zoomed once, for the docs.
"""

import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.actions.wheel_input import ScrollOrigin
from selenium.webdriver.common.by import By

report, browser, driver_path = sys.argv[1:4]
screenshot = sys.argv[4] if len(sys.argv) > 4 else None

options = webdriver.ChromeOptions()
options.binary_location = browser
for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1400,1000"):
    options.add_argument(arg)
options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
problems = []


def view(svg):
    start, end = (float(v) for v in svg.get_attribute("data-view").split())
    return start, end


def xlabels(svg):
    return [t.text for t in svg.find_elements(By.CSS_SELECTOR, "g.xticks text")]


try:
    driver.get("file://" + report)
    graph = driver.find_element(By.CSS_SELECTOR, "svg.tsg")
    group = graph.get_attribute("data-group")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", graph)
    start, end = view(graph)
    labels = xlabels(graph)
    width = graph.size["width"]
    if width < 1000:
        problems.append(f"the time-sequence graph is {width} px wide in a 1400 px window")

    # A wheel up 100 px right of the graph's centre: zoom in around that point.
    ActionChains(driver).scroll_from_origin(ScrollOrigin.from_element(graph, 100, 0), 0, -300).perform()
    z_start, z_end = view(graph)
    if not (z_end - z_start < 0.9 * (end - start) and z_start >= start and z_end <= end):
        problems.append(f"wheel: view {start}-{end} became {z_start}-{z_end}, expected a narrower range inside it")
    if xlabels(graph) == labels:
        problems.append(f"wheel: the x tick labels did not change ({labels})")
    transform = graph.find_element(By.CSS_SELECTOR, "g.zoom").get_attribute("transform") or ""
    if "scale(" not in transform:
        problems.append(f"wheel: the plot group has no zoom transform ({transform!r})")
    siblings = driver.find_elements(By.CSS_SELECTOR, f"svg[data-group='{group}']")
    followers = [s for s in siblings if s != graph and view(s) == (z_start, z_end)]
    if len(followers) != len(siblings) - 1:
        problems.append(f"{len(followers)} of the connection's {len(siblings) - 1} other graphs followed the zoom")
    zoomed = f"{start:.6f}-{end:.6f} s -> {z_start:.6f}-{z_end:.6f} s"

    # A drag to the right by 200 px shows earlier times, with the same span.
    ActionChains(driver).move_to_element(graph).click_and_hold().move_by_offset(200, 0).release().perform()
    d_start, d_end = view(graph)
    if not (d_start < z_start and abs((d_end - d_start) - (z_end - z_start)) < 1e-5):
        problems.append(f"drag: view {z_start}-{z_end} became {d_start}-{d_end}, expected earlier, same span")

    ActionChains(driver).double_click(graph).perform()
    if view(graph) != (start, end):
        problems.append(f"double-click: view is {view(graph)}, expected back to {start}-{end}")

    errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    if errors:
        problems.append(f"script errors: {errors}")

    if screenshot:
        # Two wheel steps a little right of the centre: the losses, SACK blocks and retransmissions in view.
        for _ in range(2):
            ActionChains(driver).scroll_from_origin(ScrollOrigin.from_element(graph, 60, 0), 0, -300).perform()
        driver.set_window_size(1400, 1800)
        heading = driver.find_element(By.XPATH, "//*[local-name()='svg' and @class='tsg']/preceding::h3[1]")
        driver.execute_script("arguments[0].scrollIntoView({block: 'start'})", heading)
        driver.save_screenshot(screenshot)
finally:
    driver.quit()

if problems:
    print("browser zoom test FAILED: " + "; ".join(problems))
    sys.exit(1)
print(f"browser zoom test: wheel {zoomed}, drag to {d_start:.6f}-{d_end:.6f} s, double-click resets, "
      f"{len(followers)} graphs follow: ok")

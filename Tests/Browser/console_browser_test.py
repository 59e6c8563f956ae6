#!/usr/bin/env python3
"""End-to-end tests of the web console in a real browser (docs/console.md, "Browser tests").

Run by `deploy/local/stack test` (and `deploy/local/stack browser-test`) with the stack's environment
(DATABASE_URL, KAFKA_BROKERS, the titan-local AWS_* settings) plus REC_BIN (the `rec` binary under test) and
REC_PSQL (psql, to create and drop the schema). It starts, on free loopback ports and in a PostgreSQL schema
and on Kafka topics of its own:

  - a tiny HTTP server for product images (so images travel through catalog ingest's and the console's fetch
    policy: REC_IMAGE_ALLOW_CIDRS=127.0.0.1/32),
  - `rec consume all` with its /metrics (REC_METRICS_PORT), and `rec serve` reading them
    (REC_CONSOLE_METRICS_URLS),
  - `rec demo run --image-url-prefix`, which publishes the demo catalog, scripts the demo users through
    POST /v1/events and checks their stories,

then drives Debian's headless Chromium through chromedriver with Selenium. Failures leave a screenshot, the
page's HTML and the browser log under --artifacts (printed). Exit 0 only when every test passed.
"""
import argparse
import functools
import http.server
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
import uuid

from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

DEMO_USERS = ["demo-alice", "demo-bob", "demo-carol"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, what, timeout=60, proc=None):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not open 127.0.0.1:{port} in {timeout} s")


class Stack:
    """The processes and data of one run; `close()` stops and drops what it started."""

    def __init__(self, rec, psql, workdir):
        self.rec, self.psql, self.workdir = rec, psql, workdir
        run = secrets.token_hex(4)
        self.schema = f"browser_{run}"
        self.procs = []
        base = os.environ["DATABASE_URL"]
        self.base_url = base
        self.url = base + ("&" if "?" in base else "?") + f"options=-csearch_path%3D{self.schema}%2Cpublic"
        self.env = dict(os.environ)
        self.http_port, self.metrics_port = free_port(), free_port()
        self.env.update({
            "DATABASE_URL": self.url,
            "REC_CATALOG_TOPIC": f"browser-{run}-catalog", "REC_EVENTS_TOPIC": f"browser-{run}-events",
            "REC_CATALOG_GROUP": f"browser-{run}-products", "REC_INTERACTIONS_GROUP": f"browser-{run}-interactions",
            "REC_CATALOG_PARTITIONS": "2", "REC_EVENTS_PARTITIONS": "2",
            "REC_HTTP_PORT": str(self.http_port), "REC_HTTP_HOST": "127.0.0.1",
            "REC_IMAGE_ALLOW_CIDRS": "127.0.0.1/32",
            "REC_CONSOLE_METRICS_URLS": f"consume=http://127.0.0.1:{self.metrics_port}/metrics",
        })
        self.env.pop("REC_API_KEY", None)
        self.env.pop("REC_DEMO_CONSOLE_KEY", None)
        self.images = os.path.join(workdir, "images")
        os.makedirs(self.images, exist_ok=True)
        self.image_server = None

    def sql(self, statement):
        subprocess.run([self.psql, "-q", "-v", "ON_ERROR_STOP=1", self.base_url, "-c", statement], check=True,
                       stdout=subprocess.DEVNULL)

    def start(self, name, *args, extra=None):
        log = open(os.path.join(self.workdir, f"{name}.log"), "ab")
        env = dict(self.env, **(extra or {}))
        p = subprocess.Popen([self.rec, *args], env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             start_new_session=True)
        self.procs.append((name, p))
        return p

    def run(self, *args, capture=False, timeout=900):
        r = subprocess.run([self.rec, *args], env=self.env, capture_output=capture, text=True, timeout=timeout)
        if r.returncode != 0:
            raise RuntimeError(f"rec {' '.join(args)} exited {r.returncode}: {(r.stderr or '')[-2000:]}")
        return r.stdout.strip() if capture else None

    def up(self):
        handler = functools.partial(QuietHandler, directory=self.images)
        self.image_server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.image_server.serve_forever, daemon=True).start()
        image_prefix = f"http://127.0.0.1:{self.image_server.server_address[1]}/"
        self.sql(f"CREATE SCHEMA {self.schema}")
        self.run("migrate")
        self.admin_key = self.run("apikeys", "create", "--name", "browser-admin", "--scopes", "admin", capture=True)
        self.demo_key = self.run("apikeys", "create", "--name", "browser-demo", "--scopes", "read,events", capture=True)
        consume = self.start("consume", "consume", "all", extra={"REC_METRICS_PORT": str(self.metrics_port)})
        serve = self.start("serve", "serve")
        wait_port(self.metrics_port, "rec consume all", proc=consume)
        wait_port(self.http_port, "rec serve", proc=serve)
        print(f"[browser] seeding with rec demo run (schema {self.schema}, serve 127.0.0.1:{self.http_port})", flush=True)
        out = self.run("demo", "run", "--count", "120", "--base-url", self.base, "--api-key", self.demo_key,
                       "--image-url-prefix", image_prefix, "--image-dir", self.images, "--timeout", "600", capture=True)
        with open(os.path.join(self.workdir, "demo.out"), "w") as f:
            f.write(out)

    @property
    def base(self):
        return f"http://127.0.0.1:{self.http_port}"

    def api(self, method, path, body=None, key=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"x-api-key": key or self.admin_key, "content-type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"null")

    def close(self):
        for name, p in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()
        if self.image_server:
            self.image_server.shutdown()
        try:
            self.sql(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
        except Exception as e:  # noqa: BLE001 - cleanup must not hide the result
            print(f"[browser] could not drop schema {self.schema}: {e}")


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class Browser:
    def __init__(self, width=1280, height=900):
        o = webdriver.ChromeOptions()
        o.binary_location = os.environ.get("REC_CHROMIUM", "/usr/bin/chromium")
        for a in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", f"--window-size={width},{height}",
                  "--disable-extensions", "--no-first-run"]:
            o.add_argument(a)
        o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service(os.environ.get("REC_CHROMEDRIVER", "/usr/bin/chromedriver")), options=o)
        self.driver.set_page_load_timeout(30)

    def wait(self, condition, timeout=20, message=""):
        # Views re-render (the pipeline every 2 s): an element found by one poll may be replaced before the next
        # WebDriver call reads it. That poll is retried, as a missing element is, until the timeout.
        return WebDriverWait(self.driver, timeout, poll_frequency=0.1,
                             ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)).until(lambda d: condition(d), message)

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def quit(self):
        self.driver.quit()


class Tests:
    """Each `test_*` method is one test, run in order (they share the browser and its login)."""

    def __init__(self, stack, browser, artifacts):
        self.stack, self.b, self.artifacts = stack, browser, artifacts
        self.timings = {}

    def open(self, fragment=""):
        self.b.driver.get(f"{self.stack.base}/console{fragment}")

    def login(self):
        d = self.b.driver
        self.b.wait(lambda d: d.find_element(By.ID, "api-key").is_displayed(), message="login form")
        field = d.find_element(By.ID, "api-key")
        field.clear()
        field.send_keys(self.stack.admin_key + Keys.ENTER)

    # ---------------------------------------------------------------- tests
    def test_security_headers_and_assets(self):
        for path, kind in [("/console", "text/html"), ("/console/app.js", "text/javascript"), ("/console/app.css", "text/css")]:
            with urllib.request.urlopen(self.stack.base + path, timeout=10) as r:
                csp = r.headers["content-security-policy"]
                assert r.headers["content-type"].startswith(kind), r.headers["content-type"]
                assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp, csp
                assert r.headers["x-content-type-options"] == "nosniff"
        try:
            urllib.request.urlopen(self.stack.base + "/console/api/session", timeout=10)
            raise AssertionError("the console API answered without a key")
        except urllib.error.HTTPError as e:
            assert e.code == 401, e.code
        try:
            self.stack.api("GET", "/console/api/session", key=self.stack.demo_key)
            raise AssertionError("a read,events key opened the console API")
        except urllib.error.HTTPError as e:
            assert e.code == 403, e.code
        html = urllib.request.urlopen(self.stack.base + "/console", timeout=10).read().decode()
        assert "<script>" not in html and "style=" not in html, "inline script or style in the page"

    def test_login_refuses_a_wrong_key_then_accepts_the_admin_key(self):
        d = self.b.driver
        self.open()
        started = time.perf_counter()
        self.b.wait(lambda d: d.find_element(By.ID, "api-key").is_displayed(), message="login form")
        self.timings["login form shown (ms)"] = round((time.perf_counter() - started) * 1000)
        d.find_element(By.ID, "api-key").send_keys("not-a-key" + Keys.ENTER)
        self.b.wait(lambda d: "refused" in d.find_element(By.ID, "login-error").text, message="refusal message")
        assert self.b.js("return sessionStorage.getItem('rec.console.key')") is None
        self.login()
        self.b.wait(lambda d: len(d.find_elements(By.CSS_SELECTOR, "[data-testid=users] a")) >= 3, message="users list")
        names = [a.text for a in d.find_elements(By.CSS_SELECTOR, "[data-testid=users] a")]
        for u in DEMO_USERS:
            assert u in names, names
        assert self.stack.admin_key not in d.current_url

    def grid_state(self):
        return self.b.js("""
            const grid = document.querySelector('[data-testid=recommendations]');
            if (!grid) return null;
            return {version: grid.dataset.version, tiles: [...grid.querySelectorAll('li[data-item-id]')].map(t => ({
                id: t.dataset.itemId, score: Number(t.dataset.score),
                sum: [...t.querySelectorAll('rect[data-signal]')].reduce((s, r) => s + Number(r.dataset.value), 0),
                segments: t.querySelectorAll('rect[data-signal]').length,
                image: (() => { const i = t.querySelector('img.thumb'); return i && i.complete && i.naturalWidth > 0 && i.src.startsWith('blob:'); })(),
            }))};""")

    def test_demo_users_show_images_and_explanations_that_add_up(self):
        d = self.b.driver
        for user in DEMO_USERS:
            started = time.perf_counter()
            self.open(f"#/users/{user}")
            self.b.wait(lambda d: (s := self.grid_state()) and len(s["tiles"]) >= 5 and all(t["image"] for t in s["tiles"]),
                        timeout=30, message=f"{user}: recommendations with images")
            if user == DEMO_USERS[0]:
                self.timings["user view with 20 recommendations and their images (ms)"] = round((time.perf_counter() - started) * 1000)
                nav = self.b.js("const n = performance.getEntriesByType('navigation')[0]; return [n.domContentLoadedEventEnd, n.loadEventEnd];")
                self.timings["page DOMContentLoaded / load (ms)"] = [round(x) for x in nav]
            state = self.grid_state()
            for t in state["tiles"]:
                assert t["segments"] >= 1, f"{user} {t['id']}: no explanation bar"
                assert abs(t["sum"] - t["score"]) <= 1e-5 * max(1, t["segments"]), f"{user} {t['id']}: bars add up to {t['sum']}, score {t['score']}"
            # The API's own numbers: the bars show exactly its explanation.
            _, api = self.stack.api("GET", f"/v1/users/{user}/recommendations?explain=true&limit=20")
            assert [i["id"] for i in api["items"]] == [t["id"] for t in state["tiles"]], f"{user}: the grid is not the API's list"
            # Recent interactions and profile terms are shown.
            self.b.wait(lambda d: len(d.find_elements(By.CSS_SELECTOR, "[data-testid=events] li")) > 0, message=f"{user}: recent events")
            assert d.find_elements(By.CSS_SELECTOR, "[data-term=longTerm]"), "no long-term term"

    def test_an_event_sent_from_the_page_changes_the_list(self):
        d = self.b.driver
        self.open("#/users/demo-alice")
        self.b.wait(lambda d: (s := self.grid_state()) and len(s["tiles"]) >= 5, timeout=30, message="grid")
        before = self.grid_state()
        first = before["tiles"][0]["id"]
        button = d.find_element(By.CSS_SELECTOR, f"li[data-item-id='{first}'] button[data-action=dismiss]")
        started = time.perf_counter()
        button.click()
        self.b.wait(lambda d: d.find_element(By.CSS_SELECTOR, "[data-testid=live]").get_attribute("data-changed") == "true",
                    timeout=40, message="the list changed after the dismissal")
        self.timings["dismiss → list changed (ms)"] = round((time.perf_counter() - started) * 1000)
        after = self.grid_state()
        assert after["version"] != before["version"]
        assert first not in [t["id"] for t in after["tiles"]], "the dismissed item is still recommended"
        live = d.find_element(By.CSS_SELECTOR, "[data-testid=live]").text
        assert "changed" in live, live

    def test_pipeline_shows_nonzero_throughput(self):
        d = self.b.driver
        self.open("#/pipeline")
        self.b.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=throughput]"), timeout=20, message="pipeline page")
        stop = threading.Event()

        def traffic():
            n = 0
            while not stop.is_set() and n < 80:
                events = [{"eventId": str(uuid.uuid4()), "occurredAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                           "userId": f"browser-load-{i}", "productId": f"demo-{(n * 5 + i) % 120 + 1:04d}", "type": "view"} for i in range(5)]
                try:
                    self.stack.api("POST", "/v1/events", {"events": events})
                except Exception:  # noqa: BLE001 - the assertion below reports what matters
                    pass
                n += 1
                stop.wait(0.5)
        t = threading.Thread(target=traffic, daemon=True)
        t.start()
        try:
            def nonzero(d):
                # The page re-renders every 2 s, replacing the card: holding an element between two WebDriver calls
                # races that (StaleElementReferenceException), so both attributes are read in one page script.
                now, window = d.execute_script(
                    "const c = document.querySelector('[data-testid=throughput]');"
                    "return c ? [c.getAttribute('data-value'), c.getAttribute('data-window-value')] : [null, null];")
                return float(now or "0") > 0 or float(window or "0") > 0
            self.b.wait(nonzero, timeout=45, message="non-zero consumer throughput")
        finally:
            stop.set()
            t.join()
        text = d.find_element(By.TAG_NAME, "main").text
        assert "consume" in text and "● up" in text, "the consumer metrics source is not up"
        assert d.find_elements(By.CSS_SELECTOR, "[data-testid=consumers] tbody tr"), "no consumer rows"
        assert d.find_elements(By.CSS_SELECTOR, "[data-testid=hnsw-size]"), "no HNSW index size"
        assert d.find_elements(By.CSS_SELECTOR, "[data-testid=dead-letters]"), "no dead-letter section"

    def test_item_view_shows_activity_and_both_kinds_of_similar_items(self):
        d = self.b.driver
        _, profile = self.stack.api("GET", "/console/api/users/demo-alice?events=5")
        item = profile["recentEvents"][0]["productId"]
        self.open(f"#/items/{urllib.parse.quote(item)}")
        self.b.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=activity] svg rect"), timeout=20, message="activity chart with bars")
        self.b.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=similar-content] li[data-item-id]"), timeout=20, message="content neighbours")
        self.b.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=similar-behaviour]"), timeout=20, message="behavioural list")
        self.b.wait(lambda d: self.b.js("const i = document.querySelector('img.thumb.large'); return i && i.naturalWidth > 0;"), timeout=20,
                    message="the item's image")

    def test_search_by_text(self):
        d = self.b.driver
        self.open("#/search")
        field = self.b.wait(lambda d: d.find_element(By.ID, "s-text"), message="search form")
        field.send_keys("warm dimmable desk lamp" + Keys.ENTER)
        self.b.wait(lambda d: len(d.find_elements(By.CSS_SELECTOR, "[data-testid=search-results] li[data-item-id]")) > 0, timeout=30,
                    message="search results")

    def test_evaluation_view_without_reports(self):
        self.open("#/eval")
        self.b.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=eval-empty], [data-testid=eval-table]"), timeout=20,
                    message="evaluation view")

    def test_phone_width_and_keyboard(self):
        d = self.b.driver
        d.set_window_size(390, 844)
        try:
            self.open("#/users/demo-bob")
            self.b.wait(lambda d: (s := self.grid_state()) and len(s["tiles"]) >= 3, timeout=30, message="grid at phone width")
            overflow = self.b.js("return document.documentElement.scrollWidth - window.innerWidth;")
            assert overflow <= 1, f"the page scrolls sideways by {overflow}px at 390 px"
            # Keyboard: the view's heading takes focus, and tabbing reaches an action button without a mouse.
            assert self.b.js("return document.activeElement.tagName") == "H1"
            seen = set()
            for _ in range(80):
                d.switch_to.active_element.send_keys(Keys.TAB)
                seen.add(self.b.js("const e = document.activeElement; return e.tagName + ':' + (e.dataset.action || '');"))
                if "BUTTON:view" in seen:
                    break
            assert "BUTTON:view" in seen, f"no action button reachable by Tab: {sorted(seen)[:10]}"
            assert self.b.js("return document.querySelectorAll('div[onclick],span[onclick],[style]').length") == 0
        finally:
            d.set_window_size(1280, 900)

    def test_no_csp_violations_or_script_errors(self):
        logs = self.b.driver.get_log("browser")
        bad = [l["message"] for l in logs if l["level"] == "SEVERE" and ("Content Security Policy" in l["message"] or "Uncaught" in l["message"])]
        assert not bad, bad

    # ---------------------------------------------------------------- runner
    def run(self):
        names = [n for n in dir(self) if n.startswith("test_")]
        order = ["test_security_headers_and_assets", "test_login_refuses_a_wrong_key_then_accepts_the_admin_key",
                 "test_demo_users_show_images_and_explanations_that_add_up", "test_an_event_sent_from_the_page_changes_the_list",
                 "test_pipeline_shows_nonzero_throughput", "test_item_view_shows_activity_and_both_kinds_of_similar_items",
                 "test_search_by_text", "test_evaluation_view_without_reports", "test_phone_width_and_keyboard",
                 "test_no_csp_violations_or_script_errors"]
        names = order + sorted(set(names) - set(order))
        passed, failed = 0, 0
        for name in names:
            started = time.perf_counter()
            try:
                getattr(self, name)()
                passed += 1
                print(f"[browser] PASS {name} ({time.perf_counter() - started:.1f} s)", flush=True)
            except Exception as e:  # noqa: BLE001
                failed += 1
                detail = e.msg if isinstance(e, TimeoutException) else str(e)
                print(f"[browser] FAIL {name}: {type(e).__name__}: {detail}", flush=True)
                traceback.print_exc()
                self.save_failure(name)
        return passed, failed

    def save_failure(self, name):
        os.makedirs(self.artifacts, exist_ok=True)
        base = os.path.join(self.artifacts, name)
        try:
            self.b.driver.save_screenshot(base + ".png")
            with open(base + ".html", "w") as f:
                f.write(self.b.driver.page_source)
            with open(base + ".browser.log", "w") as f:
                for l in self.b.driver.get_log("browser"):
                    f.write(f"{l['level']} {l['message']}\n")
        except Exception as e:  # noqa: BLE001
            print(f"[browser] could not save the failure's screenshot: {e}")
        print(f"[browser] screenshot and page of the failure: {base}.png, {base}.html", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--artifacts", default=".stack/artifacts/browser", help="where failures' screenshots go")
    args = parser.parse_args()
    rec = os.environ.get("REC_BIN") or shutil.which("rec")
    psql = os.environ.get("REC_PSQL") or shutil.which("psql")
    if not rec or not psql or not os.environ.get("DATABASE_URL"):
        sys.exit("needs REC_BIN, REC_PSQL and the stack's environment (deploy/local/stack browser-test sets them)")
    run_dir = os.path.join(os.path.abspath(args.artifacts), time.strftime("%Y%m%d-%H%M%S"))
    os.makedirs(run_dir, exist_ok=True)
    print(f"[browser] artifacts (logs; screenshots of failures): {run_dir}", flush=True)
    stack = Stack(rec, psql, run_dir)
    browser = None
    passed = failed = 0
    try:
        stack.up()
        browser = Browser()
        tests = Tests(stack, browser, run_dir)
        passed, failed = tests.run()
        for k, v in tests.timings.items():
            print(f"[browser] timing: {k}: {v}", flush=True)
    except Exception as e:  # noqa: BLE001
        failed += 1
        print(f"[browser] setup failed: {e} (logs in {run_dir})", flush=True)
        traceback.print_exc()
    finally:
        if browser:
            browser.quit()
        stack.close()
    print(f"browser: {passed} passed, {failed} failed", flush=True)
    sys.exit(0 if failed == 0 and passed > 0 else 1)


if __name__ == "__main__":
    main()

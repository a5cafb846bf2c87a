#!/usr/bin/python3
"""The web app in a real browser: Debian's Chromium, headless, driven through
chromium-driver by python3-selenium, against a real signetd on 127.0.0.1
whose registrations were made by the real `signet` CLI from excerpts of the
Wesnoth corpus (Debian's wesnoth-1.16-music).

Run by CTest (tests/web/CMakeLists.txt). Exit status: 0 all passed, 1 a test
failed, 77 Chromium or chromedriver is not installed (CTest reports the test
as skipped, with the reason printed here). Anything else missing (selenium,
the corpus, ffmpeg) is a failure: scripts/install-deps.sh test installs them.

Screenshots of every page, at phone (390 x 844) and desktop (1280 x 900)
sizes, go to --screenshots DIR (one PNG per screen for phones).

usage: browser_test.py --signetd BIN --signet BIN --chromium BIN
                       --chromedriver BIN --screenshots DIR
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import urllib.request

MUSIC = "/usr/share/games/wesnoth/1.16/data/core/music"
PHONE = (390, 844)
DESKTOP = (1280, 900)
ARGS = None

# Chromium as root in a container, on a closed network: without the
# background-networking flags its own connections are refused and it stalls.
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


def run(cmd, **kw):
    """Runs a command, failing with its output if it exits non-zero."""
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        raise AssertionError("%s exited %d\nstdout:\n%s\nstderr:\n%s" % (
            " ".join(cmd), p.returncode, p.stdout, p.stderr))
    return p.stdout


class Registry:
    """A signetd on 127.0.0.1:0 with a fresh data directory, and the CLI."""

    def __init__(self, signetd, signet, workdir):
        self.signet = signet
        self.workdir = workdir
        self.stderr = open(os.path.join(workdir, "signetd.stderr"), "w")
        self.proc = subprocess.Popen(
            [signetd, "--data", os.path.join(workdir, "data"), "--listen", "127.0.0.1:0"],
            stdout=subprocess.PIPE, stderr=self.stderr, text=True)
        deadline = time.time() + 60
        self.base = None
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            m = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
            if m:
                self.base = m.group(1)
                break
        if not self.base:
            raise AssertionError("signetd did not start")

    def cli(self, *args):
        env = dict(os.environ, SIGNET_SERVER=self.base)
        p = subprocess.run([self.signet, *args], capture_output=True, text=True, env=env, cwd=self.workdir)
        if p.returncode not in (0, 3):  # 3: check found files that may not be used
            raise AssertionError("signet %s exited %d\n%s\n%s" % (" ".join(args), p.returncode, p.stdout, p.stderr))
        return p.stdout

    def get(self, path):
        with urllib.request.urlopen(self.base + path, timeout=30) as r:
            return r.status, dict(r.headers), r.read()

    def json(self, path):
        return json.loads(self.get(path)[2])

    def stop(self):
        self.proc.terminate()
        try:
            code = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = -9
        self.stderr.close()
        return code


def ffmpeg(*args):
    run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", *args])


class Fixture:
    """The story every test reads: Ada registers three excerpts (with
    titles, ISRC, ISWC, credits and 'no generative training'), Bo registers
    a re-encoded copy of one of them (a dispute), and an AI company checks a
    small dataset with `signet check --csv`, which writes the answers file."""

    def __init__(self, args):
        self.dir = tempfile.mkdtemp(prefix="signet_web_test_")
        self.registry = Registry(args.signetd, args.signet, self.dir)
        try:
            self._make_story()
        except BaseException:
            self.close()
            raise

    def _make_story(self):
        d = self.dir
        cat = os.path.join(d, "catalogue")
        os.makedirs(cat)
        for name in ("loyalists", "northerners", "wanderer"):
            ffmpeg("-ss", "20", "-t", "30", "-i", os.path.join(MUSIC, name + ".ogg"), "-c:a", "libvorbis",
                   os.path.join(cat, name + ".ogg"))
        with open(os.path.join(d, "catalogue.csv"), "w") as f:
            f.write("path,title,isrc,iswc,credits\n"
                    'catalogue/loyalists.ogg,Loyalists,GBAYE0601498,T-034.524.680-1,"Ada Lovelace:composer;Bo:performer"\n'
                    "catalogue/northerners.ogg,Northerners,GBAYE0601499,,Ada Lovelace:composer\n"
                    "catalogue/wanderer.ogg,The Wanderer,,,Ada Lovelace:composer\n")
        with open(os.path.join(d, "no-genai.json"), "w") as f:
            f.write('{"ai_generative_training": "notAllowed"}\n')
        r = self.registry
        r.cli("keygen", "--out", "ada.key")
        r.cli("artist", "register", "--key", "ada.key", "--name", "Ada Lovelace")
        r.cli("register", "--key", "ada.key", "--terms", "no-genai.json", "--metadata", "catalogue.csv", "catalogue/")
        r.cli("keygen", "--out", "bo.key")
        r.cli("artist", "register", "--key", "bo.key", "--name", "Bo")
        ffmpeg("-i", os.path.join(cat, "loyalists.ogg"), "-b:a", "128k", os.path.join(d, "loyalists-bo.mp3"))
        r.cli("register", "--key", "bo.key", "loyalists-bo.mp3")
        self.ada = open(os.path.join(d, "ada.key.artist")).read().strip()
        self.bo = open(os.path.join(d, "bo.key.artist")).read().strip()
        self.works = {}
        for w in r.json("/v1/artists/%s/works" % self.ada)["items"]:
            self.works[w["title"]] = w
        # A 12 s excerpt from the middle of one registered excerpt: the query.
        self.excerpt = os.path.join(d, "excerpt.wav")
        ffmpeg("-ss", "10", "-t", "12", "-i", os.path.join(cat, "wanderer.ogg"), self.excerpt)
        ds = os.path.join(d, "dataset")
        os.makedirs(ds)
        shutil.copy(os.path.join(cat, "northerners.ogg"), os.path.join(ds, "copy.ogg"))
        ffmpeg("-ss", "30", "-t", "20", "-i", os.path.join(MUSIC, "heroes_rite.ogg"), os.path.join(ds, "other.mp3"))
        r.cli("check", "--purpose", "ai_generative_training", "--csv", "report.csv", "dataset/")
        self.answers = os.path.join(d, "report.csv.answers.ndjson")
        self.not_audio = os.path.join(d, "notes.txt")
        with open(self.not_audio, "w") as f:
            f.write("these are not the sounds you are looking for\n" * 50)

    def close(self):
        code = self.registry.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
        return code


def chromium_driver(args):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = args.chromium
    for f in CHROMIUM_FLAGS:
        opts.add_argument(f)
    opts.add_argument("--user-data-dir=" + tempfile.mkdtemp(prefix="signet_chromium_"))
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(args.chromedriver), options=opts)


class WebAppTest(unittest.TestCase):
    fixture = None
    driver = None

    @classmethod
    def setUpClass(cls):
        cls.fixture = Fixture(ARGS)
        try:
            cls.driver = chromium_driver(ARGS)
        except BaseException:
            cls.fixture.close()
            raise
        cls.driver.set_script_timeout(60)
        os.makedirs(ARGS.screenshots, exist_ok=True)

    @classmethod
    def tearDownClass(cls):
        if cls.driver:
            cls.driver.quit()
        if cls.fixture:
            code = cls.fixture.close()
            assert code == 0, "signetd did not stop cleanly (exit %s)" % code

    def setUp(self):
        self.driver.set_window_size(*DESKTOP)
        self.driver.get_log("browser")  # drop what earlier tests left

    def tearDown(self):
        # Any script error or CSP violation fails the test that caused it.
        severe = [e["message"] for e in self.driver.get_log("browser") if e["level"] == "SEVERE"
                  and "favicon" not in e["message"] and " 404 " not in e["message"] and " 400 " not in e["message"]
                  and " 415 " not in e["message"] and " 409 " not in e["message"]]
        self.assertEqual(severe, [], "the browser console reported errors")

    # ---- helpers ---------------------------------------------------------

    @property
    def base(self):
        return self.fixture.registry.base

    def open(self, fragment):
        self.driver.get(self.base + "/#" + fragment)
        self.wait_for(lambda d: d.find_elements("css selector", "main h1"))

    def wait_for(self, condition, timeout=60, what="the page"):
        from selenium.webdriver.support.ui import WebDriverWait
        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.2).until(condition)
        except Exception:
            self.shot("FAILED_" + self.id().split(".")[-1])
            raise AssertionError("timed out waiting for %s; the page says:\n%s" % (
                what, self.driver.find_element("css selector", "main").text[:3000]))

    def wait_text(self, selector, pattern, timeout=60):
        rx = re.compile(pattern)

        def found(d):
            for el in d.find_elements("css selector", selector):
                if rx.search(el.text):
                    return el
            return False
        return self.wait_for(found, timeout, "%r in %s" % (pattern, selector))

    def css(self, selector):
        return self.driver.find_elements("css selector", selector)

    def shot(self, name):
        """Desktop: one full-page PNG. Phone: one PNG per screen, scrolled."""
        d = self.driver
        w, h = d.get_window_size()["width"], d.get_window_size()["height"]
        total = d.execute_script("return document.documentElement.scrollHeight")
        if w <= PHONE[0] + 20:
            for k in range(min(8, (total + PHONE[1] - 1) // PHONE[1])):
                d.execute_script("window.scrollTo(0, arguments[0])", k * (PHONE[1] - 60))
                time.sleep(0.2)
                d.save_screenshot(os.path.join(ARGS.screenshots, "%s_phone_%d.png" % (name, k)))
            d.execute_script("window.scrollTo(0, 0)")
        else:
            d.set_window_size(w, min(max(total + 40, h), 8000))
            time.sleep(0.3)
            d.save_screenshot(os.path.join(ARGS.screenshots, "%s_desktop.png" % name))
            d.set_window_size(w, h)

    def both_sizes(self, name, ready):
        """Screenshots at desktop and phone size; `ready` re-checks after the resize."""
        self.shot(name)
        self.driver.set_window_size(*PHONE)
        time.sleep(0.4)
        ready()
        overflow = self.driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
        self.shot(name)
        self.driver.set_window_size(*DESKTOP)
        self.assertLessEqual(overflow, 0, "%s scrolls sideways on a phone" % name)

    def load_key(self, key_file, storage="memory"):
        self.open("/key")
        self.css("#key-file")[0].send_keys(os.path.join(self.fixture.dir, key_file))
        self.driver.find_element("css selector", "input[name='import-storage'][value='%s']" % storage).click()
        self.wait_text("main form button", "Use this key").click()
        artist = open(os.path.join(self.fixture.dir, key_file + ".artist")).read().strip()
        self.wait_text("#key-status", "Signing as " + artist)
        return artist

    # ---- the tests ---------------------------------------------------------

    def test_front_page_has_one_file_input_for_the_match_and_one_search_box(self):
        status, headers, body = self.fixture.registry.get("/")
        self.assertEqual(status, 200)
        csp = headers.get("Content-Security-Policy", "")
        self.assertIn("default-src 'none'", csp)
        self.assertNotIn("unsafe-inline", csp)
        self.open("/")
        self.assertEqual(len(self.css("input[type=file]")), 1)
        self.assertEqual(len(self.css("input[type=search]")), 1)
        # Every form control has a label (or is labelled by its fieldset text).
        unlabelled = self.driver.execute_script("""
          return [...document.querySelectorAll('main input, main select, main textarea')]
            .filter(e => !e.labels || e.labels.length === 0).map(e => e.outerHTML);""")
        self.assertEqual(unlabelled, [])
        self.both_sizes("front", lambda: None)

    def test_keyboard_reaches_the_skip_link_first_and_it_moves_focus_to_the_content(self):
        from selenium.webdriver.common.keys import Keys
        # A fresh visit (not a page change inside the app) starts at the top.
        self.driver.get(self.base + "/?visit=new#/")
        self.wait_for(lambda d: d.find_elements("css selector", "main h1"))
        body = self.driver.find_element("css selector", "body")
        body.send_keys(Keys.TAB)
        active = self.driver.switch_to.active_element
        self.assertEqual(active.get_attribute("id"), "skip")
        outline = self.driver.execute_script("return getComputedStyle(document.activeElement).outlineStyle")
        self.assertNotEqual(outline, "none", "the focused skip link shows no outline")
        active.send_keys(Keys.ENTER)
        self.assertEqual(self.driver.switch_to.active_element.get_attribute("id"), "main")
        # Tab order then follows the page: the next stop is inside main.
        self.driver.switch_to.active_element.send_keys(Keys.TAB)
        inside = self.driver.execute_script("return document.getElementById('main').contains(document.activeElement)")
        self.assertTrue(inside)

    def test_match_of_a_real_excerpt_names_the_work_and_draws_where_it_lies(self):
        self.open("/")
        self.css("input[type=file]")[0].send_keys(self.fixture.excerpt)
        self.wait_text("#match-results", r"registered work", timeout=120)
        card = self.wait_text("article.match", r"The Wanderer")
        self.assertIn("Ada Lovelace", card.text)
        self.assertRegex(card.text, r"score \d+")
        self.assertIn("unrelated audio would match", card.text)
        self.assertIn("played at the registered speed", card.text)
        self.assertIn("Training generative AI", card.text)
        self.assertIn("not allowed", card.text)
        svg = card.find_elements("css selector", "svg.alignment")
        self.assertEqual(len(svg), 1, "no drawing of the match")
        self.assertGreaterEqual(len(svg[0].find_elements("css selector", "polygon.link")), 1)
        # The drawn segment sits where the excerpt was cut: about 10 s into the work.
        ref = card.find_element("css selector", "table.segments tbody tr td:nth-of-type(2)").text
        start = ref.split()[0]
        minutes, seconds = start.split(":")
        self.assertAlmostEqual(int(minutes) * 60 + float(seconds), 10.0, delta=2.5)
        self.both_sizes("match", lambda: self.assertEqual(len(self.css("article.match svg.alignment")), len(self.css("article.match"))))

    def test_a_file_that_is_not_audio_is_refused_in_words(self):
        self.open("/")
        self.css("input[type=file]")[0].send_keys(self.fixture.not_audio)
        msg = self.wait_text(".msg.error", r"Could not match")
        # The problem+json detail, not a status code alone.
        self.assertRegex(msg.text, r"audio|decode|format")
        self.shot("match_error")

    def test_pasted_fingerprint_matches(self):
        fp = subprocess.run(["fpcalc", "-length", "0", self.fixture.excerpt], capture_output=True, text=True).stdout
        self.assertIn("FINGERPRINT=", fp)
        self.open("/")
        self.driver.find_element("css selector", "details summary").click()
        box = self.driver.find_element("css selector", "#match-fingerprint")
        self.driver.execute_script("arguments[0].value = arguments[1]", box, fp)
        self.wait_text("main form button", "Match the fingerprint").click()
        self.wait_text("article.match", r"The Wanderer")

    def test_search_by_title_words_finds_the_work(self):
        self.open("/")
        box = self.css("input[type=search]")[0]
        box.send_keys("loyal")
        box.submit()
        self.wait_text(".results-list", r"Loyalists")
        self.assertNotIn("Northerners", self.css(".results-list")[0].text)
        self.both_sizes("search_title", lambda: self.wait_text(".results-list", r"Loyalists"))

    def test_search_by_isrc_finds_the_work(self):
        self.open("/")
        box = self.css("input[type=search]")[0]
        box.send_keys("GB-AYE-06-01499")
        box.submit()
        self.assertIn("isrc=", self.driver.current_url)
        results = self.wait_text(".results-list", r"Northerners")
        self.assertNotIn("Loyalists", results.text)
        # And by artist name, on the search page's own field.
        self.open("/search?artist=lovelace")
        self.wait_text(".results-list", r"Loyalists")
        self.shot("search_artist")

    def test_work_page_proves_every_log_entry_in_the_browser(self):
        w = self.fixture.works["Loyalists"]
        self.open("/work/" + w["id"])
        self.wait_text("main h1", "Loyalists")
        self.wait_text("main", r"ISRC\s+GBAYE0601498")
        self.wait_text(".exports", r"tdm-reservation")
        history = self.fixture.registry.json("/v1/works/%s/history" % w["id"])["items"]
        self.wait_for(lambda d: len(d.find_elements("css selector", "ol.history .badge-ok")) == len(history),
                      what="every log entry proved")
        self.assertEqual(self.css("ol.history .badge-bad"), [])
        self.assertEqual(len(self.css("svg.timeline")), 1)
        self.driver.find_element("css selector", "ol.history summary").click()
        self.wait_text("ol.history .proof-ok", r"inclusion proof")
        self.wait_text("ol.history .proof-ok", r"signature \(DSSE, Ed25519\) verifies")
        self.both_sizes("work", lambda: self.assertEqual(len(self.css("svg.timeline")), 1))

    def test_terms_change_signed_in_the_browser_is_seen_through_the_api(self):
        artist = self.load_key("ada.key", storage="indexeddb")
        self.assertEqual(artist, self.fixture.ada)
        # Kept in IndexedDB: a reload still signs as Ada, without the file.
        self.driver.refresh()
        self.wait_text("#key-status", "Signing as " + artist)
        work = self.fixture.works["Northerners"]
        before = self.fixture.registry.json("/v1/artists/" + artist)["last_seq"]
        self.open("/work/" + work["id"])
        self.wait_text("main h1", "Northerners")
        select = self.wait_for(lambda d: d.find_elements("css selector", "select[name='ai_training']"))[0]
        from selenium.webdriver.support.ui import Select
        Select(select).select_by_value("constrained")
        self.driver.find_element("css selector", "textarea[name='ai_training-licences']").send_keys("https://ada.example/ai-licence")
        self.driver.find_element("css selector", "input[name='ai_training-contact']").send_keys("mailto:ada@example.org")
        self.shot("terms_form")
        self.wait_text("main form button", "Sign and save the terms").click()
        self.wait_text(".accepted", r"accepted at")
        self.wait_text(".accepted .proof-ok", r"receipt verified in this browser")
        terms = self.fixture.registry.json("/v1/works/%s/terms" % work["id"])
        self.assertEqual(terms["effective"]["ai_training"]["use"], "constrained")
        self.assertEqual(terms["effective"]["ai_training"]["constraint_info"]["licences"], ["https://ada.example/ai-licence"])
        self.assertEqual(terms["effective"]["ai_generative_training"]["use"], "notAllowed")  # kept
        after = self.fixture.registry.json("/v1/artists/" + artist)
        self.assertEqual(after["last_seq"], before + 1, "the browser used the server's seq + 1")
        history = self.fixture.registry.json("/v1/works/%s/history" % work["id"])["items"]
        self.assertEqual(history[-1]["type"], "work.terms")
        self.assertEqual(history[-1]["seq"], before + 1)
        # The CLI reads the same terms.
        shown = self.fixture.registry.cli("terms", "show", "--work", work["id"])
        self.assertRegex(shown, r"ai_training\s+constrained")
        self.wait_text("main", r"only with a licence")
        self.both_sizes("terms_changed", lambda: None)
        self.open("/key")
        self.wait_text("main button", "Forget this key").click()
        self.wait_for(lambda d: d.find_element("css selector", "#key-status").text == "", what="the key forgotten")

    def test_dispute_page_shows_both_claims_and_their_overlap_and_a_party_resolves_it(self):
        self.open("/disputes")
        card = self.wait_text("ul.disputes li.card", r"Registered later")
        self.wait_text("ul.disputes li.card", r"Loyalists")
        self.assertIn("Bo", card.text)
        self.shot("disputes")
        card.find_element("css selector", "h2 a").click()
        self.wait_text("main h1", "Dispute")
        self.wait_text(".side-by-side", r"Registered first[\s\S]*Loyalists[\s\S]*Registered later")
        self.wait_for(lambda d: d.find_elements("css selector", "svg.alignment polygon.link"), what="the overlap drawing")
        self.both_sizes("dispute", lambda: self.wait_for(lambda d: d.find_elements("css selector", "svg.alignment")))
        dispute_id = self.driver.current_url.rsplit("/", 1)[1]
        self.load_key("bo.key")
        self.open("/dispute/" + dispute_id)
        area = self.wait_for(lambda d: d.find_elements("css selector", "textarea[name='resolution']"))[0]
        area.send_keys("Bo only performs on it; Ada's registration stands.")
        self.wait_text("main form button", "Sign and resolve").click()
        self.wait_text(".accepted .proof-ok", r"receipt verified")
        d = self.fixture.registry.json("/v1/disputes/" + dispute_id)
        self.assertEqual(d["state"], "resolved")
        self.assertEqual(d["resolved_by"], self.fixture.bo)
        self.wait_text("main", r"Resolved")
        self.shot("dispute_resolved")
        self.open("/key")
        self.wait_text("main button", "Forget this key").click()

    def test_report_page_shows_the_verdicts_with_the_receipt_verified(self):
        self.open("/report")
        self.css("#report-file")[0].send_keys(self.fixture.answers)
        self.wait_text(".proof-ok", r"receipt is verified")
        self.wait_text(".proof-ok", r"prefix of the log now")
        table = self.wait_text("table.verdicts", r"notAllowed")
        self.assertIn("Northerners", table.text)
        self.assertIn("unregistered", table.text)
        self.both_sizes("report", lambda: self.wait_text(".proof-ok", r"receipt is verified"))
        # A changed verdict is caught.
        tampered = os.path.join(self.fixture.dir, "tampered.answers.ndjson")
        with open(self.fixture.answers) as f:
            text = f.read()
        with open(tampered, "w") as f:
            f.write(text.replace('"verdict":"notAllowed"', '"verdict":"allowed"', 1))
        self.open("/report")
        self.css("#report-file")[0].send_keys(tampered)
        bad = self.wait_text(".proof-bad", r"does NOT verify")
        self.assertIn("the file was changed", bad.text)
        self.shot("report_tampered")

    def test_the_pages_crypto_meets_known_answers_and_rejects_tampering(self):
        self.open("/")
        result = self.driver.execute_async_script("""
          const done = arguments[arguments.length - 1];
          (async () => {
            const c = await import('/js/crypto.js');
            const hex = (t) => Uint8Array.from(t.match(/../g), (b) => parseInt(b, 16));
            const out = {};
            // RFC 8032 7.1, TEST 1 (empty message).
            const pk = hex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
            const sig = hex('e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b');
            out.rfc8032 = await c.verify(pk, sig, new Uint8Array());
            const key = await c.importSeed(hex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'), false);
            out.signed = c.toHex(await c.sign(key, new Uint8Array())) === c.toHex(sig);
            sig[0] ^= 1;
            out.rfc8032_bad = await c.verify(pk, sig, new Uint8Array());
            // DSSE's own PAE example.
            out.pae = new TextDecoder().decode(c.pae('http://example.com/HelloWorld', new TextEncoder().encode('hello world')));
            // A 3-leaf tree: root = H(1 || H(1 || l0 || l1) || l2).
            const leaves = await Promise.all(['a', 'b', 'c'].map((x) => c.leafHash(new TextEncoder().encode(x))));
            const node = async (l, r) => c.sha256(c.concat(new Uint8Array([1]), l, r));
            const n01 = await node(leaves[0], leaves[1]);
            const root = await node(n01, leaves[2]);
            const r1 = await c.rootFromInclusionProof(1, 3, leaves[1], [leaves[0], leaves[2]]);
            out.inclusion = r1 !== null && c.equalBytes(r1, root);
            const r2 = await c.rootFromInclusionProof(2, 3, leaves[1], [n01]);
            out.inclusion_wrong_leaf = r2 !== null && c.equalBytes(r2, root);
            out.inclusion_short = await c.rootFromInclusionProof(1, 3, leaves[1], [leaves[0]]);
            out.consistency = await c.verifyConsistency(2, 3, n01, root, [leaves[2]]);
            out.consistency_bad = await c.verifyConsistency(2, 3, n01, root, [leaves[0]]);
            out.artist_id = await c.artistIdFor(pk);
            // A verifier key whose base64 holds '+' (the separator of its parts).
            const plusKey = new Uint8Array(32).fill(0xfb);
            const id = (await c.noteKeyId('log.example/x', plusKey)).toString(16).padStart(8, '0');
            const keyText = 'log.example/x+' + id + '+' + c.toBase64(c.concat(new Uint8Array([1]), plusKey));
            out.plus_in_key = keyText.split('+').length > 3;
            out.parsed_name = (await c.parseVerifierKey(keyText)).name;
            done(out);
          })().catch((e) => done({error: String(e)}));
        """)
        self.assertNotIn("error", result, result)
        self.assertTrue(result["rfc8032"])
        self.assertTrue(result["signed"])
        self.assertFalse(result["rfc8032_bad"])
        self.assertEqual(result["pae"], "DSSEv1 29 http://example.com/HelloWorld 11 hello world")
        self.assertTrue(result["inclusion"])
        self.assertFalse(result["inclusion_wrong_leaf"])
        self.assertIsNone(result["inclusion_short"])
        self.assertTrue(result["consistency"])
        self.assertFalse(result["consistency_bad"])
        self.assertRegex(result["artist_id"], r"^ar_[a-z2-7]{24}$")
        self.assertTrue(result["plus_in_key"])
        self.assertEqual(result["parsed_name"], "log.example/x")

    def test_artist_page_lists_works_and_proves_the_registration(self):
        self.open("/artist/" + self.fixture.ada)
        self.wait_text("main h1", "Ada Lovelace")
        self.wait_text(".results-list", r"Loyalists[\s\S]*Northerners|Northerners[\s\S]*Loyalists")
        self.wait_for(lambda d: d.find_elements("css selector", "details.entry .badge-ok"), what="the registration proved")
        self.both_sizes("artist", lambda: None)


def main():
    global ARGS
    p = argparse.ArgumentParser()
    for flag in ("--signetd", "--signet", "--chromium", "--chromedriver", "--screenshots"):
        p.add_argument(flag, required=True)
    ARGS, rest = p.parse_known_args()
    ARGS.signetd, ARGS.signet = os.path.abspath(ARGS.signetd), os.path.abspath(ARGS.signet)
    for what, path in (("chromium", ARGS.chromium), ("chromedriver", ARGS.chromedriver)):
        if not path or not os.access(path, os.X_OK):
            print("SKIPPED: %s is not installed (%r); apt-get install chromium chromium-driver "
                  "(scripts/install-deps.sh test does)" % (what, path))
            return 77
    try:
        import selenium  # noqa: F401
    except ImportError:
        print("FAILED: python3-selenium is missing for %s (scripts/install-deps.sh test installs it)" % sys.executable)
        return 1
    for tool in ("ffmpeg", "fpcalc"):
        if not shutil.which(tool):
            print("FAILED: %s is missing (scripts/install-deps.sh test installs it)" % tool)
            return 1
    if not os.path.isdir(MUSIC):
        print("FAILED: the Wesnoth corpus is missing at %s (wesnoth-1.16-music)" % MUSIC)
        return 1
    if os.path.isdir(ARGS.screenshots):
        shutil.rmtree(ARGS.screenshots)
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(WebAppTest)
    if rest:
        suite = unittest.TestSuite(t for t in suite if any(r in t.id() for r in rest))
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    print("screenshots in %s" % ARGS.screenshots)
    return 0 if result.wasSuccessful() and result.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main())

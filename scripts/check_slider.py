#!/usr/bin/env python3
"""Move chapter 7's slider in headless Chromium and check that the page follows.

    python3 scripts/check_slider.py [output/chapter7/index.html | http://127.0.0.1:8000/chapter7/index.html]
                                    [--shots DIR] [--browser chromium]

Loads the page (file:// for a path, or the URL as given, e.g. through `swift run serve`), drags the
slider's thumb with the mouse from its first position to its last, then presses the Left arrow key
once, and checks after each move that the position label, every panel's image (loaded, not broken)
and the numbers changed. Writes screenshots of the slider before and after the drag (and of the
whole page) into DIR. Drives Chromium over the DevTools protocol with the Python standard library
only (a minimal WebSocket client below). Exit status 0: every check held; 1: one failed (one line
says which); 2: the browser or page could not be used.
"""
import argparse
import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request


class WebSocket:
    """Just enough of RFC 6455 for the DevTools protocol: text frames, client masking, fragments."""

    def __init__(self, url, timeout=30):
        assert url.startswith("ws://")
        hostport, path = url[5:].split("/", 1)
        host, port = hostport.split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /{path} HTTP/1.1\r\nHost: {hostport}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise OSError("websocket handshake: connection closed")
            head += chunk
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise OSError("websocket handshake refused: " + head.split(b"\r\n", 1)[0].decode(errors="replace"))
        self.buffer = head.split(b"\r\n\r\n", 1)[1]

    def send(self, text):
        data = text.encode()
        header = bytes([0x81])
        n = len(data)
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 1 << 16:
            header += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def _read(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise OSError("websocket closed")
            self.buffer += chunk
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out

    def recv(self):
        message = b""
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            payload = self._read(n)
            opcode = b0 & 0x0F
            if opcode == 8:
                raise OSError("websocket closed by the browser")
            if opcode in (0, 1, 2):
                message += payload
                if b0 & 0x80:
                    return message.decode()


class Browser:
    def __init__(self, binary, width, height):
        self.profile = tempfile.mkdtemp(prefix="check-slider-")
        self.proc = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--force-device-scale-factor=1", f"--window-size={width},{height}",
             "--remote-debugging-port=0", f"--user-data-dir={self.profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.time() + 30
        while not (os.path.exists(port_file) and open(port_file).read().strip()):
            if time.time() > deadline or self.proc.poll() is not None:
                raise OSError("Chromium did not start its DevTools endpoint")
            time.sleep(0.1)
        port = int(open(port_file).read().split()[0])
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10))
        page = next(t for t in targets if t.get("type") == "page")
        self.ws = WebSocket(page["webSocketDebuggerUrl"])
        self.next_id = 0
        self.events = []

    def call(self, method, **params):
        self.next_id += 1
        my_id = self.next_id
        self.ws.send(json.dumps({"id": my_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == my_id:
                if "error" in msg:
                    raise OSError(f"{method}: {msg['error'].get('message')}")
                return msg.get("result", {})
            self.events.append(msg)

    def wait_event(self, name, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for i, e in enumerate(self.events):
                if e.get("method") == name:
                    del self.events[i]
                    return e
            self.events.append(json.loads(self.ws.recv()))
        raise OSError(f"timed out waiting for {name}")

    def js(self, expression):
        r = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise OSError("script error: " + json.dumps(r["exceptionDetails"])[:300])
        return r["result"].get("value")

    def screenshot(self, path, clip=None):
        params = {"format": "png", "captureBeyondViewport": True}
        if clip:
            params["clip"] = dict(clip, scale=1)
        data = self.call("Page.captureScreenshot", **params)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


def open_browser(given, width, height):
    """Chromium (the binary given, else the one on PATH) with its DevTools endpoint; None after one error line."""
    binary = given or shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not binary:
        print("error: chromium not found: apt-get install -y chromium", file=sys.stderr)
        return None
    try:
        return Browser(binary, width, height)
    except (OSError, StopIteration) as e:
        print(f"error: {e}", file=sys.stderr)
        return None


class Checks:
    """Prints each check as ok/FAIL and keeps the failures."""

    def __init__(self):
        self.failures = []

    def __call__(self, ok, what):
        print(("ok    " if ok else "FAIL  ") + what)
        if not ok:
            self.failures.append(what)

    def verdict(self, name):
        """The exit status: 0 and '<name> passed', or 1 and the first failure."""
        if self.failures:
            print(f"{name} failed: {self.failures[0]}", file=sys.stderr)
            return 1
        print(f"{name} passed")
        return 0


STATE = """(async () => {
  const box = document.querySelector('.slider');
  if (!box) return null;
  const range = box.querySelector('input[type=range]');
  const imgs = [...box.querySelectorAll('img[data-panel]')];
  await Promise.all(imgs.map(i => i.complete ? 0 : new Promise(r => { i.onload = i.onerror = r; })));
  const r = range.getBoundingClientRect(), b = box.getBoundingClientRect();
  return {
    value: +range.value, max: +range.max, label: box.querySelector('.slider-value').textContent,
    images: imgs.map(i => i.getAttribute('src')),
    loaded: imgs.map(i => i.complete && i.naturalWidth > 0),
    numbers: [...box.querySelectorAll('[data-number]')].map(v => v.textContent),
    note: box.querySelector('.slider-note').textContent,
    track: {x: r.left + window.scrollX, y: r.top + window.scrollY, width: r.width, height: r.height},
    box: {x: b.left + window.scrollX, y: b.top + window.scrollY, width: b.width, height: b.height},
  };
})()"""


def page_from_args(doc, default_page, default_shots, run_hint, urls=False):
    """The command line every browser check takes (page, --shots, --browser): the parsed arguments
    and the page's URL, or None (after one line on stderr) if the page is not there."""
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    ap.add_argument("page", nargs="?", default=default_page, help="report path" + (" or http(s) URL" if urls else ""))
    ap.add_argument("--shots", default=default_shots, help="folder for the screenshots")
    ap.add_argument("--browser", default=None, help="Chromium binary (default: chromium on PATH)")
    args = ap.parse_args()
    if urls and args.page.startswith(("http://", "https://", "file://")):
        url = args.page
    elif not os.path.isfile(args.page):
        print(f"error: no such page: {args.page} ({run_hint})", file=sys.stderr)
        return None
    else:
        url = "file://" + os.path.abspath(args.page)
    os.makedirs(args.shots, exist_ok=True)
    return args, url


def main():
    given = page_from_args(__doc__, "output/chapter7/index.html", "slider-shots", "run `swift run chapter7` first", urls=True)
    if given is None:
        return 2
    args, url = given
    check = Checks()
    b = open_browser(args.browser, 1200, 1000)
    if b is None:
        return 2
    try:
        b.call("Page.enable")
        b.call("Page.navigate", url=url)
        b.wait_event("Page.loadEventFired")
        before = b.js(STATE)
        if before is None:
            print(f"error: no slider on {url}", file=sys.stderr)
            return 2
        check(all(before["loaded"]), f"all {len(before['images'])} panel images load at position {before['value']} ({before['label']})")
        clip = {k: before["box"][k] for k in ("x", "y", "width", "height")}
        b.screenshot(os.path.join(args.shots, "slider-before.png"), clip)

        # Drag the thumb with the mouse from the left end of the track to the right end.
        t = before["track"]
        b.js(f"window.scrollTo(0, {max(0, t['y'] - 300)})")
        scroll_y = b.js("window.scrollY")
        y = t["y"] - scroll_y + t["height"] / 2
        x0 = t["x"] + 6
        x1 = t["x"] + t["width"] - 2
        b.call("Input.dispatchMouseEvent", type="mousePressed", x=x0, y=y, button="left", clickCount=1)
        for k in range(1, 21):
            b.call("Input.dispatchMouseEvent", type="mouseMoved", x=x0 + (x1 - x0) * k / 20, y=y, button="left", buttons=1)
        b.call("Input.dispatchMouseEvent", type="mouseReleased", x=x1, y=y, button="left", clickCount=1)
        after = b.js(STATE)
        check(after["value"] == after["max"], f"dragging the thumb to the right end moves the slider to its last position ({after['value']} of {after['max']})")
        check(after["label"] != before["label"], f"the position label changes: '{before['label']}' -> '{after['label']}'")
        changed = [i for i, (a, c) in enumerate(zip(before["images"], after["images"])) if a != c]
        check(len(changed) == len(after["images"]), f"every panel shows another image ({len(changed)} of {len(after['images'])}): {after['images']}")
        check(all(after["loaded"]), "the new images load (none broken)")
        moved = [i for i, (a, c) in enumerate(zip(before["numbers"], after["numbers"])) if a != c]
        check(len(moved) > 0, f"the numbers change ({len(moved)} of {len(after['numbers'])}): {before['numbers']} -> {after['numbers']}")
        b.screenshot(os.path.join(args.shots, "slider-after.png"), clip)
        b.screenshot(os.path.join(args.shots, "page-after.png"))

        # One step back with the keyboard (the range has focus after the drag).
        b.js("document.querySelector('.slider input[type=range]').focus()")
        b.call("Input.dispatchKeyEvent", type="rawKeyDown", key="ArrowLeft", code="ArrowLeft", windowsVirtualKeyCode=37)
        b.call("Input.dispatchKeyEvent", type="keyUp", key="ArrowLeft", code="ArrowLeft", windowsVirtualKeyCode=37)
        back = b.js(STATE)
        check(back["value"] == after["max"] - 1 and back["images"] != after["images"] and back["numbers"] != after["numbers"],
              f"the Left arrow key steps back one position ({back['value']}: {back['label']}) and the panels follow")
        print(f"note under the slider: {before['note'].strip()}")
        print(f"screenshots: {os.path.abspath(os.path.join(args.shots, 'slider-before.png'))}, "
              f"{os.path.abspath(os.path.join(args.shots, 'slider-after.png'))}")
    except OSError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    finally:
        b.close()
    return check.verdict("slider check")


if __name__ == "__main__":
    sys.exit(main())

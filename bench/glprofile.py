"""Where a map frame's time goes in SwiftShader (run by hand; a diagnosis tool, not a figure).

    .venv/bin/python bench/glprofile.py [--db sqlite:////tmp/cg_large.sqlite] [--redraws 2]

Opens the safety map in headless Chromium with every WebGL draw call followed by a
one-pixel ``gl.readPixels`` (so each call's GPU-process time is measured where it is issued), waits
until the map is drawn, forces ``--redraws`` full redraws (a one-pixel resize), and prints
the time per deck.gl shader (``#define SHADER_NAME`` of the program), per frame.
The read-back serialises the pipeline, so the total is a little above a normal frame's;
the split between layers is what this tool is for.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.ui import FILE_PATHS, ensure_db, serve, signed_in_context  # noqa: E402
from tests.e2e.browser import CHART, CHROMIUM, CHROMIUM_ARGS, wait_drawn  # noqa: E402

HOOK = r"""
(() => {
  const stats = (window.__gl = {frames: [], shaders: new Map(), programs: new Map()});
  let frame = null;
  const now = () => performance.now();
  const wrap = (gl) => {
    if (gl.__wrapped) return gl;
    gl.__wrapped = true;
    const shaderSource = gl.shaderSource.bind(gl);
    gl.shaderSource = (shader, src) => {
      const m = /#define SHADER_NAME\s+(\S+)/.exec(src);
      stats.shaders.set(shader, m ? m[1] : 'unnamed');
      return shaderSource(shader, src);
    };
    const attachShader = gl.attachShader.bind(gl);
    gl.attachShader = (program, shader) => {
      const name = stats.shaders.get(shader) || '';
      if (name.includes('vertex') || !stats.programs.has(program)) {
        stats.programs.set(program, name);
      }
      return attachShader(program, shader);
    };
    let current = null;
    const pixel = new Uint8Array(4);
    const useProgram = gl.useProgram.bind(gl);
    gl.useProgram = (p) => { current = p; return useProgram(p); };
    const clear = gl.clear.bind(gl);
    gl.clear = (mask) => {
      const fb = gl.getParameter(gl.FRAMEBUFFER_BINDING);
      if (!fb && (mask & gl.COLOR_BUFFER_BIT)) {
        frame = {t: now(), draws: {}, total: 0};
        stats.frames.push(frame);
      }
      return clear(mask);
    };
    const calls = ['drawArrays', 'drawElements', 'drawArraysInstanced', 'drawElementsInstanced'];
    for (const fn of calls) {
      const orig = gl[fn] && gl[fn].bind(gl);
      if (!orig) continue;
      gl[fn] = (...args) => {
        const fb = gl.getParameter(gl.FRAMEBUFFER_BINDING);
        const t0 = now();
        const out = orig(...args);
        if (!fb) gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, pixel);
        const dt = now() - t0;
        if (frame && !fb) {
          const name = stats.programs.get(current) || 'unknown';
          const d = frame.draws[name] || (frame.draws[name] = {ms: 0, calls: 0, verts: 0});
          d.ms += dt; d.calls += 1;
          const count = fn.startsWith('drawArrays') ? args[2] : args[1];
          const inst = fn.endsWith('Instanced') ? args[args.length - 1] : 1;
          d.verts += count * inst;
          frame.total += dt;
        }
        return out;
      };
    }
    return gl;
  };
  const getContext = HTMLCanvasElement.prototype.getContext;
  HTMLCanvasElement.prototype.getContext = function (kind, ...rest) {
    const gl = getContext.call(this, kind, ...rest);
    return gl && String(kind).startsWith('webgl') ? wrap(gl) : gl;
  };
  const round = ([k, v]) => [k, [Math.round(v.ms), v.calls, v.verts]];
  window.__glReport = () => stats.frames.map((f) => ({
    t: Math.round(f.t),
    total: Math.round(f.total),
    draws: Object.fromEntries(Object.entries(f.draws).map(round)),
  }));
})();
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default="sqlite:////tmp/cg_large.sqlite")
    parser.add_argument("--redraws", type=int, default=2)
    parser.add_argument("--url-suffix", default="", help="appended to the page URL")
    parser.add_argument("--width", type=int, default=1400, help="browser viewport (px)")
    args = parser.parse_args()
    ensure_db(args.db)
    from playwright.sync_api import sync_playwright

    from bench.ui import _visit

    with tempfile.TemporaryDirectory() as folder:
        process, port = serve(ROOT / "app.py", args.db, Path(folder) / "timing.log")
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
                )
                base = f"http://127.0.0.1:{port}/{args.url_suffix}"
                signed_in = signed_in_context(browser, f"http://127.0.0.1:{port}", args.db)
                page, seconds, _ = _visit(signed_in, base)  # warms the server caches
                page.close()
                context = signed_in_context(
                    browser, f"http://127.0.0.1:{port}", args.db, width_px=args.width
                )
                context.add_init_script(HOOK)
                page = context.new_page()
                fetched: list[tuple[float, str]] = []
                page.on(
                    "requestfinished",
                    lambda r: (
                        fetched.append((time.perf_counter(), r.url.rsplit("/", 1)[-1]))
                        if any(path in r.url for path in FILE_PATHS)
                        else None
                    ),
                )
                started = time.perf_counter()
                page.goto(base)
                page.wait_for_selector(f"{CHART} canvas", timeout=300_000)
                wait_drawn(page, timeout_s=300)
                page.wait_for_timeout(3000)
                loaded = time.perf_counter() - started
                for i in range(args.redraws):
                    page.set_viewport_size({"width": args.width - (i % 2) - 1, "height": 1000})
                    page.wait_for_timeout(6000)
                report = page.evaluate("window.__glReport()")
                browser.close()
        finally:
            process.terminate()
            process.wait(timeout=20)
    for at, name in fetched:
        print(f"fetched {name} at {(at - started) * 1000:.0f} ms")
    print(f"first visit (no hook) {seconds:.1f} s; hooked page settled after {loaded:.1f} s")
    for frame in report:
        if not frame["draws"]:
            continue
        print(f"frame at {frame['t']} ms: {frame['total']} ms")
        for name, (ms, calls, verts) in sorted(frame["draws"].items(), key=lambda kv: -kv[1][0]):
            print(f"    {name:<44}{ms:>7} ms {calls:>5} calls {verts:>10} vertices")
    print(json.dumps(report)[:200])


if __name__ == "__main__":
    main()

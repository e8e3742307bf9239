"""``/api/v1/docs``: the OpenAPI document as a self-contained page (no CDN: the server may
have no internet). A small script reads ``openapi.json`` and lists each operation with its
parameters and schemas, and a form to try it with ``fetch`` (an API token field, else the
browser's session). Every text from the document goes in through ``textContent``, never as
markup."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

#: The page's own policy: its inline style and script only, requests to this server only.
POLICY = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)

SCRIPT = r"""
const el = (tag, text, cls) => { const e = document.createElement(tag);
  if (text !== undefined) e.textContent = String(text); if (cls) e.className = cls; return e; };
const tokenBox = document.getElementById('token');
function pretty(v) { return JSON.stringify(v, null, 2); }
async function send(method, path, form, params, hasBody) {
  let url = path; const query = new URLSearchParams(); const headers = {};
  for (const p of params) {
    const v = form.elements[p.in + ':' + p.name].value;
    if (v === '') continue;
    if (p.in === 'path') url = url.replace('{' + p.name + '}', encodeURIComponent(v));
    else if (p.in === 'query') query.append(p.name, v);
    else if (p.in === 'header') headers[p.name] = v;
  }
  if ([...query].length) url += '?' + query.toString();
  const token = tokenBox.value.trim();
  if (token) headers['Authorization'] = 'Bearer ' + token;
  else headers['X-Requested-With'] = 'campusgrid';
  const init = { method, headers, credentials: 'same-origin' };
  if (hasBody) {
    headers['Content-Type'] = 'application/json'; init.body = form.elements.body.value;
  }
  const out = form.querySelector('pre.out'); out.textContent = '…';
  try {
    const r = await fetch(url, init); const text = await r.text();
    let shown = text; try { shown = pretty(JSON.parse(text)); } catch (e) {}
    const tag = r.headers.get('ETag');
    out.textContent = r.status + ' ' + r.statusText + (tag ? '\nETag: ' + tag : '') + '\n' + shown;
  } catch (e) { out.textContent = 'Failed: ' + e; }
}
function operation(path, method, op) {
  const box = el('details', undefined, 'op');
  const head = el('summary'); head.append(el('b', method.toUpperCase() + ' '), el('code', path),
    el('span', ' — ' + (op.summary || ''))); box.append(head);
  if (op.description) box.append(el('p', op.description));
  const params = op.parameters || [];
  const form = el('form'); form.addEventListener('submit', (ev) => { ev.preventDefault();
    send(method.toUpperCase(), path, form, params, !!op.requestBody); });
  for (const p of params) {
    const label = el('label', p.name + ' (' + p.in + (p.required ? ', required' : '') + ') ');
    const input = el('input'); input.name = p.in + ':' + p.name;
    input.placeholder = (p.schema && (p.schema.enum ? p.schema.enum.join(' | ')
      : p.schema.format || p.schema.type)) || '';
    label.append(input); if (p.schema && p.schema.description) label.title = p.schema.description;
    form.append(label, el('br'));
  }
  if (op.requestBody) {
    const schema = op.requestBody.content['application/json'].schema;
    form.append(el('div', 'JSON body:'), el('pre', pretty(schema), 'schema'));
    const area = el('textarea'); area.name = 'body'; area.rows = 6; area.value = '{}';
    form.append(area, el('br'));
  }
  form.append(el('button', 'Send'), el('pre', '', 'out'));
  const answers = el('details'); answers.append(el('summary', 'Responses'),
    el('pre', pretty(op.responses)));
  box.append(form, answers); return box;
}
fetch('openapi.json').then(r => r.json()).then(doc => {
  const root = document.getElementById('ops');
  document.getElementById('about').textContent = doc.info.description;
  for (const [path, methods] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(methods)) root.append(operation(path, method, op));
  const schemas = el('details'); schemas.append(el('summary', 'Schemas'),
    el('pre', pretty(doc.components.schemas))); root.append(schemas);
}).catch(e => {
  document.getElementById('ops').textContent = 'Could not read openapi.json: ' + e;
});
"""

PAGE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>campusgrid API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font: 15px/1.4 system-ui, sans-serif; margin: 1.5em; max-width: 60em; }}
.op {{ border: 1px solid #ccc; border-radius: 4px; margin: .4em 0; padding: .3em .6em; }}
pre {{ background: #f5f5f5; padding: .5em; overflow-x: auto; white-space: pre-wrap; }}
input {{ width: 24em; }} textarea {{ width: 100%; font-family: monospace; }}
</style></head>
<body><h1>campusgrid API</h1><p id="about"></p>
<p><label>API token (blank: this browser's session) <input id="token" type="password"
autocomplete="off"></label> · <a href="openapi.json">openapi.json</a></p>
<div id="ops">Loading…</div>
<script>{SCRIPT}</script></body></html>"""


async def docs(request: Request) -> Response:
    """Answer the docs page (public: it holds no data; each call it makes needs a token or
    a session)."""
    return HTMLResponse(
        PAGE, headers={"Content-Security-Policy": POLICY, "Cache-Control": "no-store"}
    )

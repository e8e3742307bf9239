// campusgrid phone page (/m): my cells, my due inspections, one-tap checklists, reports
// where I stand, and a queue on the phone (IndexedDB) so that no submission is lost or sent
// twice. Plain JS, no framework; every text from the server goes in with textContent.
"use strict";

const API = "/api/v1";
const FAR_M = 100; // warn when the phone is more than this outside the cell (metres)
const WRITE_HEADERS = { "X-Requested-With": "campusgrid" };

const TEXT = {
  zh: {
    title: "网格巡查", due: "待巡查", nothingDue: "今天没有待巡查的网格。", queue: "待发送",
    queueEmpty: "没有待发送的提交。", reportHere: "在此处上报", back: "返回", note: "备注",
    submit: "提交", category: "类别", what: "情况描述", contact: "联系方式（可选）", send: "上报",
    hazardHint: "该账号不能在此上报：隐患由巡查表中“不合格”的项目登记。",
    reportHazard: "上报隐患", domain: "领域", major: "重大隐患（24 小时内整改）",
    photoOptional: "照片（可选）", complaintHeading: "登记投诉",
    hazard: (domain) => `隐患 · ${domain}`,
    signOut: "退出登录", pass: "合格", fail: "不合格", na: "不适用", photo: "拍照",
    itemNote: "问题说明", overdue: "已逾期", due_today: "今日到期", open: "待完成",
    left: (n) => `还有 ${n} 项未作答`, allAnswered: "全部已作答，可以提交。",
    queued: "已保存在手机上，联网后自动发送。", sending: "正在发送…",
    sent: (what) => `已发送：${what}`, refused: (what, why) => `未被接受：${what}——${why}`,
    offline: "当前离线：提交会保存在手机上，联网后自动发送。",
    signInAgain: "登录已过期：请重新登录，待发送的提交会保留。",
    noLocation: "无法获取位置：提交不带位置。",
    locating: "正在定位…", youAre: (code, m) => m > 0 ? `距网格 ${code} 约 ${m} 米` : `位于网格 ${code} 内`,
    far: (m) => `你距该网格约 ${m} 米（超过 100 米）：请确认是在现场巡查。`,
    atCell: (code, owner) => `所在网格：${code}` + (owner ? `（负责人 ${owner}）` : ""),
    noCell: "此处不在任何网格内。", noCampus: "该账号未关联校区：请管理员关联。",
    inspection: (cell, t) => `巡查 ${cell} · ${t}`, complaint: (cat) => `上报 · ${cat}`,
    loadFailed: "无法加载数据：", emptyText: "请填写情况描述。",
    rollcall: "晚点名签到", rollcallCode: "楼栋签到码（6 位，向网格员获取）", checkIn: "签到",
    rollcallPrivacy: "只保存是否通过、距离区间和定位精度，不保存你的坐标。",
    codeFormat: "请输入 6 位数字签到码（向本楼网格员获取）。",
    located: (m) => `已定位（精度约 ${m} 米）。`,
    geoDenied: "定位被拒绝：请在浏览器设置中允许本页使用位置。",
    geoTimeout: "定位超时（10 秒）：请到开阔处重试。",
    geoUnavailable: "无法获取定位：手机未提供位置。",
    checkedIn: (band, m) => `签到成功（距离：${band}，精度 ${m} 米）。`,
    bands: { "in": "楼内", "≤50 m": "50 米内", "≤200 m": "200 米内", far: "较远" },
    checkinOffline: "当前离线：签到需要联网（签到码几分钟后失效，不能稍后补发）。",
    reasons: {
      already: "你今晚已签到，无需重复签到。",
      code: "签到码错误或已过期：请向本楼网格员获取当前签到码。",
      imprecise: "定位精度不足：请到开阔处或等待 GPS 信号稳定后重试。",
      far: "签到未通过：你距宿舍楼太远，请回到宿舍楼后再签到。",
      window: "不在点名时间内：请在点名时间段内签到。",
      not_open: "今晚的点名尚未开启：请稍后再试。",
      closed: "今晚的点名已结束。",
      no_location: "没有定位无法线上签到：请允许本页使用位置后重试，或到宿舍楼找本楼网格员为你签到。",
      no_student: "该账号未关联学号：请管理员关联。",
    },
  },
  en: {
    title: "Grid rounds", due: "Due", nothingDue: "Nothing due today.", queue: "Waiting to send",
    queueEmpty: "Nothing waiting to send.", reportHere: "Report here", back: "Back", note: "Note",
    submit: "Submit", category: "Category", what: "What is wrong", contact: "Contact (optional)",
    send: "Report", hazardHint: "This account cannot report here: hazards open from a failed checklist item.",
    reportHazard: "Report a hazard", domain: "Domain", major: "Major hazard (fix within 24 h)",
    photoOptional: "Photo (optional)", complaintHeading: "Record a complaint",
    hazard: (domain) => `Hazard · ${domain}`,
    signOut: "Sign out", pass: "Pass", fail: "Fail", na: "N/A", photo: "Photo",
    itemNote: "What is wrong", overdue: "Overdue", due_today: "Due today", open: "Open",
    left: (n) => `${n} item(s) not answered yet`, allAnswered: "All answered: you can submit.",
    queued: "Kept on the phone; sent when the network is back.", sending: "Sending…",
    sent: (what) => `Sent: ${what}`, refused: (what, why) => `Not accepted: ${what} — ${why}`,
    offline: "Offline: submissions are kept on the phone and sent when the network is back.",
    signInAgain: "Signed out: sign in again; the waiting submissions are kept.",
    noLocation: "No location: the submission goes without one.",
    locating: "Finding your location…", youAre: (code, m) => m > 0 ? `About ${m} m from cell ${code}` : `Inside cell ${code}`,
    far: (m) => `You are about ${m} m from this cell (over 100 m): make sure you inspect on site.`,
    atCell: (code, owner) => `Cell here: ${code}` + (owner ? ` (owner ${owner})` : ""),
    noCell: "This spot is in no cell.", noCampus: "This account has no campus: ask an admin to link one.",
    inspection: (cell, t) => `Inspection ${cell} · ${t}`, complaint: (cat) => `Report · ${cat}`,
    loadFailed: "Could not load: ", emptyText: "Say what is wrong.",
    rollcall: "Roll call check-in", rollcallCode: "Building code (6 digits, from the grid member)",
    checkIn: "Check in",
    rollcallPrivacy: "Only pass/fail, the distance band and the accuracy are kept, never your position.",
    codeFormat: "Type the 6-digit building code (from your building's grid member).",
    located: (m) => `Located (accuracy about ${m} m).`,
    geoDenied: "Location refused: allow this page to use your location in the browser's settings.",
    geoTimeout: "No location within 10 s: step outside and try again.",
    geoUnavailable: "No location: the phone gave none.",
    checkedIn: (band, m) => `Checked in (distance: ${band}, accuracy ${m} m).`,
    bands: { "in": "inside", "≤50 m": "within 50 m", "≤200 m": "within 200 m", far: "far" },
    checkinOffline: "Offline: checking in needs the network (the code expires within minutes, so it cannot wait).",
    reasons: {},
  },
};

const state = {
  lang: localStorage.getItem("campusgrid.lang") === "en" ? "en" : "zh",
  me: null, campus: null, checklists: {}, domains: [], due: [], cells: [], position: null,
  hazardPhoto: null,
  open: null, answers: {}, photos: {}, notes: {}, flushing: false, refused: [],
};

const $ = (id) => document.getElementById(id);
const t = (key, ...args) => {
  const value = TEXT[state.lang][key];
  return typeof value === "function" ? value(...args) : value;
};
function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (cls) node.className = cls;
  return node;
}
function say(message, cls) {
  const box = $("status");
  box.textContent = message || "";
  box.className = cls || (navigator.onLine ? "" : "offline");
}
function newKey() {
  if (self.crypto && crypto.randomUUID) return crypto.randomUUID();
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// ---- the queue (IndexedDB: entries survive a reload, a closed tab, a dead battery) ----
let dbPromise = null;
function db() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const open = indexedDB.open("campusgrid-phone", 1);
      open.onupgradeneeded = () => open.result.createObjectStore("queue", { keyPath: "key" });
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
  }
  return dbPromise;
}
async function store(mode, work) {
  const database = await db();
  return new Promise((resolve, reject) => {
    const tx = database.transaction("queue", mode);
    const request = work(tx.objectStore("queue"));
    tx.oncomplete = () => resolve(request ? request.result : undefined);
    tx.onerror = () => reject(tx.error);
  });
}
const queued = () => store("readonly", (s) => s.getAll());
const enqueue = (entry) => store("readwrite", (s) => s.put(entry));
const dequeue = (key) => store("readwrite", (s) => s.delete(key));

async function showQueue() {
  const entries = (await queued()).sort((a, b) => a.created - b.created);
  const list = $("queue");
  list.replaceChildren(...entries.map((e) => el("li", e.label)));
  $("queue-empty").hidden = entries.length > 0;
  $("refused").replaceChildren(...state.refused.map((r) => el("li", r)));
  return entries;
}

function body(entry) {
  const photos = Object.entries(entry.photos || {});
  if (!photos.length) {
    return { body: JSON.stringify(entry.fields), type: "application/json" };
  }
  const form = new FormData();
  form.append("checklist", JSON.stringify(entry.fields));
  for (const [item, blob] of photos) form.append("photo." + item, blob, item + ".jpg");
  return { body: form, type: null };
}

// Send one entry: "sent", "refused" (a definitive answer: removed, shown), "keep" (retry).
async function send(entry) {
  const { body: payload, type } = body(entry);
  const headers = { ...WRITE_HEADERS, "Idempotency-Key": entry.key };
  if (type) headers["Content-Type"] = type;
  let response;
  try {
    response = await fetch(entry.url, {
      method: "POST", body: payload, headers, credentials: "same-origin",
    });
  } catch (err) {
    return { outcome: "keep" };
  }
  if (response.ok) return { outcome: "sent" };
  if (response.status === 401) return { outcome: "keep", signedOut: true };
  if (response.status >= 500 || [408, 409, 425, 429].includes(response.status)) {
    let code = "";
    try { code = (await response.json()).error.code; } catch (err) { code = ""; }
    if (response.status !== 409 || code === "in_progress") return { outcome: "keep" };
  }
  let why = `HTTP ${response.status}`;
  try { why = (await response.clone().json()).error.message || why; } catch (err) { /* keep */ }
  return { outcome: "refused", why };
}

async function flush() {
  if (state.flushing) return;
  state.flushing = true;
  try {
    const entries = (await queued()).sort((a, b) => a.created - b.created);
    for (const entry of entries) {
      say(t("sending"));
      const result = await send(entry);
      if (result.outcome === "sent") {
        await dequeue(entry.key);
        say(t("sent", entry.label));
      } else if (result.outcome === "refused") {
        await dequeue(entry.key);
        state.refused.push(t("refused", entry.label, result.why));
        say(t("refused", entry.label, result.why), "offline");
      } else {
        say(result.signedOut ? t("signInAgain") : t("queued"), "offline");
        break;
      }
    }
  } finally {
    state.flushing = false;
    await showQueue();
  }
  const inspects = state.me && state.me.permissions.includes("submit_inspections");
  if (inspects && !(await queued()).length) loadDue().catch(() => undefined);
}

async function submitEntry(url, fields, photos, label) {
  const entry = { key: newKey(), url, fields, photos, label, created: Date.now() };
  await enqueue(entry); // kept on the phone before anything is sent
  await showQueue();
  say(t("queued"), "offline");
  await flush();
}

// ---- geometry: lon/lat to local metres, distance from a point to a cell ----
function metres(origin) {
  const k = Math.cos((origin[1] * Math.PI) / 180) * 111320;
  return (p) => [(p[0] - origin[0]) * k, (p[1] - origin[1]) * 110540];
}
function rings(geometry) {
  if (!geometry) return [];
  if (geometry.type === "Polygon") return geometry.coordinates;
  if (geometry.type === "MultiPolygon") return geometry.coordinates.flat();
  return [];
}
function inside(point, ring) {
  let hit = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i], [xj, yj] = ring[j];
    if ((yi > point[1]) !== (yj > point[1]) &&
        point[0] < ((xj - xi) * (point[1] - yi)) / (yj - yi) + xi) hit = !hit;
  }
  return hit;
}
function segment(p, a, b) {
  const dx = b[0] - a[0], dy = b[1] - a[1];
  const len = dx * dx + dy * dy;
  const s = len ? Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len)) : 0;
  return Math.hypot(p[0] - a[0] - s * dx, p[1] - a[1] - s * dy);
}
// Metres from a lon/lat to a cell's polygon (0 inside); holes are counted as inside.
function distanceToCell(lonlat, geometry) {
  const toM = metres(lonlat);
  const polys = geometry.type === "MultiPolygon" ? geometry.coordinates : [geometry.coordinates];
  let best = Infinity;
  for (const poly of polys) {
    const outer = poly[0].map(toM);
    if (inside([0, 0], outer)) return 0;
    for (let i = 1; i < outer.length; i++) best = Math.min(best, segment([0, 0], outer[i - 1], outer[i]));
  }
  return best;
}

// ---- the map: the cells as SVG paths, mine highlighted, me as a dot ----
function drawMap() {
  const svg = $("map");
  const ns = "http://www.w3.org/2000/svg";
  const mine = new Set(state.due.map((d) => d.cell_code));
  const late = new Set(state.due.filter((d) => d.todo === "overdue").map((d) => d.cell_code));
  const person = state.me && state.me.person;
  const shown = state.cells.filter((f) => mine.has(f.properties.code) ||
    (person && f.properties.owner === person));
  const focus = shown.length ? shown : state.cells;
  const points = focus.flatMap((f) => rings(f.geometry).flat());
  if (!points.length) { svg.replaceChildren(); return; }
  const lons = points.map((p) => p[0]), lats = points.map((p) => p[1]);
  const west = Math.min(...lons), east = Math.max(...lons);
  const south = Math.min(...lats), north = Math.max(...lats);
  const k = Math.cos(((south + north) / 2) * Math.PI / 180);
  const w = Math.max((east - west) * k, 1e-6), h = Math.max(north - south, 1e-6);
  const size = Math.max(w, h) * 1.1;
  const x = (lon) => 50 + ((lon - (west + east) / 2) * k / size) * 100;
  const y = (lat) => 50 - ((lat - (south + north) / 2) / size) * 100;
  const paths = [];
  for (const feature of state.cells) {
    const d = rings(feature.geometry).map((ring) =>
      "M" + ring.map((p) => `${x(p[0]).toFixed(2)},${y(p[1]).toFixed(2)}`).join("L") + "Z").join("");
    if (!d) continue;
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", d);
    const code = feature.properties.code;
    if (late.has(code)) path.setAttribute("class", "overdue");
    else if (mine.has(code) || (person && feature.properties.owner === person)) path.setAttribute("class", "mine");
    const title = document.createElementNS(ns, "title");
    title.textContent = code;
    path.appendChild(title);
    paths.push(path);
  }
  if (state.position) {
    const dot = document.createElementNS(ns, "circle");
    dot.setAttribute("cx", x(state.position[0]).toFixed(2));
    dot.setAttribute("cy", y(state.position[1]).toFixed(2));
    dot.setAttribute("r", "1.6");
    dot.setAttribute("id", "me");
    paths.push(dot);
  }
  svg.replaceChildren(...paths);
}

// ---- data ----
async function getJson(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (response.status === 401) {
    location.assign("/signin?next=" + encodeURIComponent("/m"));
    throw new Error("signed out");
  }
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new Error((data && data.error && data.error.message) || `HTTP ${response.status}`);
  return data;
}
async function all(url, key) {
  let out = [], next = url + (url.includes("?") ? "&" : "?") + "limit=1000";
  for (let pages = 0; next && pages < 50; pages++) {
    const data = await getJson(next);
    out = out.concat(data[key] || []);
    next = data.next_cursor ? url + (url.includes("?") ? "&" : "?") + "limit=1000&cursor=" + encodeURIComponent(data.next_cursor) : null;
  }
  return out;
}
const campusPath = () => `${API}/campuses/${encodeURIComponent(state.campus)}`;

async function loadDue() {
  state.due = await all(`${campusPath()}/inspections/mine`, "due");
  showDue();
  drawMap();
}

function showDue() {
  const list = $("due");
  list.replaceChildren(...state.due.map((row, index) => {
    const button = el("button");
    button.type = "button";
    button.dataset.cell = row.cell_code;
    button.dataset.template = row.template_code;
    button.dataset.period = row.period || "";
    const tpl = state.checklists[row.template_code];
    const name = tpl ? (state.lang === "zh" ? tpl.name_zh : tpl.name_en) : row.template_code;
    button.append(el("span", row.todo ? t(row.todo) : "", "tag " + (row.todo || "")),
      el("strong", row.cell_code), el("span", " · " + name), el("br"),
      el("span", `${row.period || ""}  ${String(row.due_date || "").slice(0, 10)}`.trim(), "muted"));
    button.addEventListener("click", () => openChecklist(index));
    const item = el("li");
    item.append(button);
    return item;
  }));
  $("due-empty").hidden = state.due.length > 0;
}

// ---- location ----
function locate() {
  return new Promise((resolve) => {
    if (!navigator.geolocation) { resolve(null); return; }
    navigator.geolocation.getCurrentPosition(
      (pos) => { state.position = [pos.coords.longitude, pos.coords.latitude]; drawMap(); resolve(state.position); },
      () => resolve(null),
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 0 },
    );
  });
}

// ---- a checklist ----
function show(section) {
  for (const id of ["home", "check", "report", "rollcall"]) $(id).hidden = id !== section;
  window.scrollTo(0, 0);
}

async function openChecklist(index) {
  const row = state.due[index];
  const tpl = state.checklists[row.template_code];
  if (!tpl) { say(t("loadFailed") + row.template_code, "offline"); return; }
  state.open = row;
  state.answers = {}; state.photos = {}; state.notes = {};
  $("check-note").value = "";
  $("check-title").textContent = t("inspection", row.cell_code, state.lang === "zh" ? tpl.name_zh : tpl.name_en);
  $("far").hidden = true;
  const items = $("items");
  items.replaceChildren(...tpl.items.map((item) => checklistItem(item)));
  updateSubmit();
  show("check");
  $("where").textContent = t("locating");
  const here = await locate();
  if (state.open !== row) return;
  warnIfFar(here, row.cell_code);
}

function warnIfFar(here, code) {
  const cell = state.cells.find((f) => f.properties.code === code);
  if (!here) { $("where").textContent = t("noLocation"); return; }
  if (!cell) { $("where").textContent = ""; return; }
  const m = Math.round(distanceToCell(here, cell.geometry));
  $("where").textContent = t("youAre", code, m);
  $("far").hidden = m <= FAR_M;
  $("far").textContent = m > FAR_M ? t("far", m) : "";
}

function checklistItem(item) {
  const li = el("li");
  li.dataset.item = item.code;
  li.append(el("div", state.lang === "zh" ? item.text_zh : item.text_en, "text"));
  if (item.major) li.append(el("div", state.lang === "zh" ? "重大隐患项" : "Major hazard item", "major"));
  const answers = el("div", null, "answers");
  for (const answer of ["pass", "fail", "na"]) {
    const button = el("button", t(answer));
    button.type = "button";
    button.dataset.answer = answer;
    button.setAttribute("aria-pressed", "false");
    button.addEventListener("click", () => answerItem(li, item.code, answer));
    answers.append(button);
  }
  li.append(answers);
  const failed = el("div", null, "failed");
  failed.hidden = true;
  const photoLabel = el("label", t("photo"));
  const photo = el("input");
  photo.type = "file";
  photo.accept = "image/*";
  photo.setAttribute("capture", "environment");
  photo.dataset.photo = item.code;
  const preview = el("img");
  preview.hidden = true;
  preview.alt = "";
  photo.addEventListener("change", () => {
    const file = photo.files && photo.files[0];
    if (file) {
      state.photos[item.code] = file;
      preview.src = URL.createObjectURL(file);
      preview.hidden = false;
    } else {
      delete state.photos[item.code];
      preview.hidden = true;
    }
  });
  const noteLabel = el("label", t("itemNote"));
  const note = el("textarea");
  note.rows = 2;
  note.maxLength = 1000;
  note.dataset.note = item.code;
  note.addEventListener("input", () => { state.notes[item.code] = note.value; });
  photoLabel.append(photo);
  noteLabel.append(note);
  failed.append(photoLabel, preview, noteLabel);
  li.append(failed);
  return li;
}

function answerItem(li, code, answer) {
  state.answers[code] = answer;
  for (const button of li.querySelectorAll(".answers button")) {
    button.setAttribute("aria-pressed", String(button.dataset.answer === answer));
  }
  li.querySelector(".failed").hidden = answer !== "fail";
  updateSubmit();
}

function updateSubmit() {
  const tpl = state.open && state.checklists[state.open.template_code];
  const total = tpl ? tpl.items.length : 0;
  const missing = total - Object.keys(state.answers).length;
  $("submit").disabled = !tpl || missing > 0;
  $("unanswered").textContent = missing > 0 ? t("left", missing) : t("allAnswered");
}

async function submitChecklist() {
  const row = state.open;
  const tpl = row && state.checklists[row.template_code];
  if (!tpl || Object.keys(state.answers).length < tpl.items.length) return;
  $("submit").disabled = true;
  const notes = {};
  for (const [code, answer] of Object.entries(state.answers)) {
    const text = (state.notes[code] || "").trim();
    if (answer === "fail" && text) notes[code] = text;
  }
  const general = $("check-note").value.trim();
  if (general) {
    const first = tpl.items[0].code;
    notes[first] = notes[first] ? `${notes[first]}\n${general}` : general;
  }
  const fields = {
    cell: row.cell_code, template: row.template_code, results: { ...state.answers },
    at: new Date().toISOString(),
  };
  if (row.period) fields.period = row.period;
  if (Object.keys(notes).length) fields.notes = notes;
  if (state.position) { fields.lon = state.position[0]; fields.lat = state.position[1]; }
  const photos = {};
  for (const [code, file] of Object.entries(state.photos)) {
    if (state.answers[code] === "fail") photos[code] = file;
  }
  state.due = state.due.filter((d) => d !== row);
  state.open = null;
  showDue();
  drawMap();
  show("home");
  await submitEntry(`${campusPath()}/inspections`, fields, photos,
    t("inspection", row.cell_code, state.lang === "zh" ? tpl.name_zh : tpl.name_en));
}

// ---- report where I stand ----
const CATEGORIES = [
  ["urgent_safety", "紧急安全", "Urgent safety"], ["fire_risk", "消防隐患", "Fire risk"],
  ["repairs", "设施报修", "Facility repairs"], ["food", "食品安全", "Food safety"],
  ["dormitory", "宿舍问题", "Dormitory issues"], ["traffic", "交通秩序", "Traffic and parking"],
  ["environment", "环境卫生", "Environment and sanitation"], ["noise", "噪声扰民", "Noise"],
  ["network", "网络故障", "Network problems"], ["suggestion", "建议", "Suggestions"],
];

const domainName = (d) => (state.lang === "zh" ? d.name_zh : d.name_en);

async function openReport() {
  show("report");
  const mayHazard = state.me.permissions.includes("report_hazards");
  const mayComplain = state.me.permissions.includes("receive_complaints");
  $("hazard-form").hidden = !mayHazard;
  $("report-form").hidden = !mayComplain;
  $("report-hint").hidden = mayHazard || mayComplain;
  const domains = $("hazard-domain");
  const chosen = domains.value;
  domains.replaceChildren(...state.domains.map((d) => {
    const option = el("option", domainName(d));
    option.value = d.code;
    return option;
  }));
  if (chosen) domains.value = chosen;
  const select = $("report-category");
  select.replaceChildren(...CATEGORIES.map(([code, zh, en]) => {
    const option = el("option", state.lang === "zh" ? zh : en);
    option.value = code;
    return option;
  }));
  $("report-where").textContent = t("locating");
  const here = await locate();
  if (!here) { $("report-where").textContent = t("noLocation"); return; }
  try {
    const at = await getJson(`${campusPath()}/cells/at?lon=${here[0]}&lat=${here[1]}`);
    $("report-where").textContent = t("atCell", at.code, at.owner);
  } catch (err) {
    $("report-where").textContent = navigator.onLine ? t("noCell") : t("offline");
  }
}

async function sendReport() {
  const text = $("report-text").value.trim();
  if (!text) { say(t("emptyText"), "offline"); return; }
  if (!state.position) { say(t("noLocation"), "offline"); return; }
  const category = $("report-category").value;
  const fields = { lon: state.position[0], lat: state.position[1], category, text, reported_by: "phone" };
  const contact = $("report-contact").value.trim();
  if (contact) fields.contact = contact;
  const label = CATEGORIES.find((c) => c[0] === category);
  $("report-text").value = "";
  $("report-contact").value = "";
  show("home");
  await submitEntry(`${campusPath()}/complaints`, fields, {},
    t("complaint", label ? (state.lang === "zh" ? label[1] : label[2]) : category));
}

function pickHazardPhoto() {
  const input = $("hazard-photo");
  const file = input.files && input.files[0];
  state.hazardPhoto = file || null;
  $("hazard-preview").hidden = !file;
  if (file) $("hazard-preview").src = URL.createObjectURL(file);
}

async function sendHazard() {
  const description = $("hazard-text").value.trim();
  if (!description) { say(t("emptyText"), "offline"); return; }
  if (!state.position) { say(t("noLocation"), "offline"); return; }
  const domain = $("hazard-domain").value;
  const fields = {
    lon: state.position[0], lat: state.position[1], domain, description,
    severity: $("hazard-major").checked ? "major" : "general", at: new Date().toISOString(),
  };
  const photos = state.hazardPhoto ? { 1: state.hazardPhoto } : {};
  const found = state.domains.find((d) => d.code === domain);
  $("hazard-text").value = "";
  $("hazard-major").checked = false;
  $("hazard-photo").value = "";
  pickHazardPhoto();
  show("home");
  await submitEntry(`${campusPath()}/hazards`, fields, photos,
    t("hazard", found ? domainName(found) : domain));
}

// ---- roll call check-in (sent at once, never queued: the code expires within minutes) ----
// The phone's position now: {lon, lat, accuracy}, or {error: denied|timeout|unavailable}.
function fix() {
  return new Promise((resolve) => {
    if (!navigator.geolocation) { resolve({ error: "unavailable" }); return; }
    navigator.geolocation.getCurrentPosition(
      (pos) => resolve({ lon: pos.coords.longitude, lat: pos.coords.latitude,
        accuracy: pos.coords.accuracy }),
      (err) => resolve({ error: err.code === 1 ? "denied" : err.code === 3 ? "timeout" : "unavailable" }),
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 0 },
    );
  });
}
const GEO_ERRORS = { denied: "geoDenied", timeout: "geoTimeout", unavailable: "geoUnavailable" };

function showRollcallResult(text, ok) {
  const box = $("rollcall-result");
  box.textContent = text;
  box.className = ok ? "ok" : "refused";
  box.hidden = false;
}

async function openRollcall() {
  show("rollcall");
  $("rollcall-result").hidden = true;
  $("rollcall-code").value = "";
  $("rollcall-where").textContent = t("locating");
  const here = await fix();
  $("rollcall-where").textContent = here.error ? t(GEO_ERRORS[here.error])
    : t("located", Math.round(here.accuracy));
}

// The refusal in the user's language: the phone's words for a known reason, else the
// service's own line.
function refusal(error) {
  const own = error && error.reason && TEXT[state.lang].reasons[error.reason];
  return own || (error && error.message) || "";
}

async function sendCheckin() {
  $("rollcall-result").hidden = true;
  const code = $("rollcall-code").value.trim();
  if (!/^[0-9]{6}$/.test(code)) { showRollcallResult(t("codeFormat"), false); return; }
  $("rollcall-send").disabled = true;
  try {
    $("rollcall-where").textContent = t("locating");
    const here = await fix();
    const fields = { code };
    if (here.error) {
      $("rollcall-where").textContent = t(GEO_ERRORS[here.error]);
    } else {
      $("rollcall-where").textContent = t("located", Math.round(here.accuracy));
      Object.assign(fields, { lon: here.lon, lat: here.lat, accuracy_m: here.accuracy });
    }
    let response;
    try {
      response = await fetch(`${campusPath()}/rollcall/checkins`, {
        method: "POST", body: JSON.stringify(fields), credentials: "same-origin",
        headers: { ...WRITE_HEADERS, "Content-Type": "application/json" },
      });
    } catch (err) {
      showRollcallResult(t("checkinOffline"), false);
      return;
    }
    if (response.status === 401) { location.assign("/signin?next=" + encodeURIComponent("/m")); return; }
    const data = await response.json().catch(() => null);
    if (response.ok && data) {
      const band = TEXT[state.lang].bands[data.band] || data.band;
      showRollcallResult(t("checkedIn", band, Math.round(data.accuracy_m)), true);
    } else {
      showRollcallResult(refusal(data && data.error) || `HTTP ${response.status}`, false);
    }
  } finally {
    $("rollcall-send").disabled = false;
  }
}

// ---- language ----
function translate() {
  document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
  $("lang").textContent = state.lang === "zh" ? "EN" : "中文";
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
  showDue();
  updateSubmit();
}

async function start() {
  translate();
  $("lang").addEventListener("click", () => {
    state.lang = state.lang === "zh" ? "en" : "zh";
    localStorage.setItem("campusgrid.lang", state.lang);
    translate();
  });
  $("check-back").addEventListener("click", () => { state.open = null; show("home"); });
  $("report-back").addEventListener("click", () => show("home"));
  $("submit").addEventListener("click", submitChecklist);
  $("report-open").addEventListener("click", openReport);
  $("report-send").addEventListener("click", sendReport);
  $("hazard-send").addEventListener("click", sendHazard);
  $("hazard-photo").addEventListener("change", pickHazardPhoto);
  $("rollcall-open").addEventListener("click", openRollcall);
  $("rollcall-back").addEventListener("click", () => show("home"));
  $("rollcall-send").addEventListener("click", sendCheckin);
  document.querySelector("footer form").addEventListener("submit", () => {
    if (self.caches) caches.delete("campusgrid-m-1");
  });
  window.addEventListener("online", () => { say(""); flush(); });
  window.addEventListener("offline", () => say(t("offline"), "offline"));
  document.addEventListener("visibilitychange", () => { if (!document.hidden) flush(); });
  setInterval(() => { if (navigator.onLine) flush(); }, 30000);
  if (navigator.serviceWorker) navigator.serviceWorker.register("/m/sw.js", { scope: "/m" }).catch(() => undefined);
  await showQueue();
  if (!navigator.onLine) say(t("offline"), "offline");
  try {
    state.me = await getJson(`${API}/me`);
    $("who").textContent = state.me.person || state.me.name;
    const may = (p) => state.me.permissions.includes(p);
    $("rollcall-open").hidden = !may("check_in");
    $("due-heading").hidden = !may("submit_inspections");
    state.campus = state.me.campus;
    if (!state.campus) {
      const campuses = await getJson(`${API}/campuses`);
      state.campus = campuses.campuses.length ? campuses.campuses[0].name : null;
    }
    if (!state.campus) { say(t("noCampus"), "offline"); return; }
    state.checklists = await getJson("/m/checklists.json");
    state.domains = await getJson("/m/domains.json");
    const inspects = may("submit_inspections");
    // A campus without an active plan has no cells: the map stays empty, the rest works.
    state.cells = await all(`${campusPath()}/cells`, "features").catch(() => []);
    if (inspects) await loadDue();
    else { $("due-empty").hidden = true; drawMap(); }
  } catch (err) {
    say(t("loadFailed") + err.message, "offline");
  }
  document.body.dataset.ready = "true";
  locate().then(() => drawMap());
  flush();
}

document.addEventListener("DOMContentLoaded", start);

// combi-explorer live dashboard: follows the run's event stream and redraws the panels.
// Everything comes from this server: /api/... JSON and /api/run/NAME/stream (server-sent events).
"use strict";

const S = { run: null, data: null, model: null, curveIndex: null, latestCurve: true,
            source: null, seenMeasured: -1, timer: null, modelKey: "" };
const $ = (id) => document.getElementById(id);
const CFG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["select2d", "lasso2d"] };
const MARGIN = { l: 55, r: 20, t: 30, b: 45 };

function say(text, error) {
  const m = $("message"); m.textContent = text; m.className = error ? "error" : "";
  if (error) console.error(text);
}

async function getJSON(url) {
  const r = await fetch(url, { cache: "no-store" });
  if (!r.ok) throw new Error(`${url}: ${r.status} ${await r.text()}`);
  return r.json();
}

async function act(body) {
  const operator = $("operator").value.trim() || "browser";
  localStorage.setItem("explorer-operator", operator);
  const r = await fetch(`/api/run/${encodeURIComponent(S.run)}/action`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Explorer-Action": "1" },
    body: JSON.stringify({ ...body, by: operator }),
  });
  const out = await r.json().catch(() => ({ error: `HTTP ${r.status}` }));
  if (out.error) say(out.error, true); else say(`written: ${out.written}`, false);
  return out;
}

// ---------- panels ----------
function objectiveLabel(d, name) {
  const o = d.objectives.find((x) => x.name === name); return o ? o.label : name;
}

function drawMap(d) {
  const lib = d.library;
  const measured = d.measured;
  const comp = (i) => (lib.composition.length ? `<br>${lib.composition_label} ${lib.composition[i].toFixed(3)}` : "");
  const traces = [{
    x: lib.x_mm, y: lib.y_mm, customdata: lib.ids, type: "scatter", mode: "markers", name: "library",
    marker: { size: 7, color: "#d0d5db", line: { width: 0 } },
    text: lib.ids.map((id, i) => `location ${id}${comp(i)}`), hoverinfo: "text",
  }];
  const ok = measured.filter((m) => m.feasible), bad = measured.filter((m) => !m.feasible);
  const n = Math.max(measured.length, 1);
  traces.push({
    x: ok.map((m) => m.x_mm), y: ok.map((m) => m.y_mm), customdata: ok.map((m) => m.location_id),
    type: "scatter", mode: "markers+text", name: "measured (visit order)",
    text: ok.map((m) => String(m.step + 1)), textposition: "top center", textfont: { size: 9 },
    hovertext: ok.map((m) => `#${m.step + 1} · location ${m.location_id}`), hoverinfo: "text",
    marker: { size: 10, color: ok.map((m) => m.step + 1), cmin: 1, cmax: n, colorscale: "Viridis",
              colorbar: { title: { text: "visit #" }, thickness: 12 }, line: { width: 1, color: "#222" } },
  });
  traces.push({
    x: bad.map((m) => m.x_mm), y: bad.map((m) => m.y_mm), customdata: bad.map((m) => m.location_id),
    type: "scatter", mode: "markers+text", name: "infeasible / failed",
    text: bad.map((m) => String(m.step + 1)), textposition: "top center", textfont: { size: 9, color: "#b3261e" },
    hovertext: bad.map((m) => `#${m.step + 1} · location ${m.location_id} (infeasible)`), hoverinfo: "text",
    marker: { size: 10, symbol: "x", color: "#b3261e" },
  });
  const where = new Map(lib.ids.map((id, i) => [id, i]));
  const vetoed = (d.vetoed || []).filter((id) => where.has(id));
  if (vetoed.length) traces.push({
    x: vetoed.map((id) => lib.x_mm[where.get(id)]), y: vetoed.map((id) => lib.y_mm[where.get(id)]),
    customdata: vetoed, type: "scatter", mode: "markers", name: "vetoed", hovertext: vetoed.map((id) => `location ${id} (vetoed)`),
    hoverinfo: "text", marker: { size: 11, symbol: "diamond-open", color: "#6d4c41", line: { width: 2 } },
  });
  if (d.next) traces.push({
    x: [d.next.x_mm], y: [d.next.y_mm], customdata: [d.next.location_id], type: "scatter",
    mode: "markers", name: `next: ${d.next.location_id}`, hoverinfo: "name",
    marker: { size: 20, symbol: "star", color: "#e53935", line: { width: 1, color: "#000" } },
  });
  const layout = { margin: MARGIN, xaxis: { constrain: "domain", title: { text: `x (mm)${lib.composition_label ? " — " + lib.composition_label + " varies along the spread" : ""}` } },
                   yaxis: { title: { text: "y (mm)" }, scaleanchor: "x", constrain: "domain" }, legend: { orientation: "h", y: -0.25 },
                   uirevision: S.run };
  Plotly.react("plot-map", traces, layout, CFG);
  const el = $("plot-map");
  el.dataset.nMeasured = String(measured.length);
  if (!el.dataset.bound) {
    el.dataset.bound = "1";
    el.on("plotly_click", (ev) => {
      const p = ev.points && ev.points[0]; if (!p || p.customdata === undefined) return;
      const id = p.customdata;
      if (window.confirm(`Queue location ${id} to be measured next?`)) act({ action: "queue", location_id: id });
    });
  }
}

function robustRange(values, lower = 0.02, upper = 0.98) {
  // colour limits at percentiles, so a few outliers do not flatten the scale
  const v = values.filter((x) => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return [0, 1];
  const q = (p) => v[Math.min(v.length - 1, Math.max(0, Math.round(p * (v.length - 1))))];
  return [q(lower), q(upper)];
}

function cellSize(div, lib) {
  const xs = [...new Set(lib.x_mm.map((x) => x.toFixed(4)))].length;
  const w = $(div).clientWidth || 300;
  return Math.max(4, Math.min(18, Math.floor((w - 90) / Math.max(xs, 1))));
}

function gridOf(lib) {
  // a regular grid library: the unique x and y and each location's cell, else null
  const key = (v) => v.toFixed(4);
  const xs = [...new Set(lib.x_mm.map(key))].map(Number).sort((a, b) => a - b);
  const ys = [...new Set(lib.y_mm.map(key))].map(Number).sort((a, b) => a - b);
  if (xs.length * ys.length !== lib.ids.length || xs.length < 2 || ys.length < 2) return null;
  const xi = new Map(xs.map((v, i) => [key(v), i])), yi = new Map(ys.map((v, i) => [key(v), i]));
  return { xs, ys, cell: lib.x_mm.map((x, k) => [yi.get(key(lib.y_mm[k])), xi.get(key(x))]) };
}

function fieldTrace(lib, values, colorscale, lo, hi) {
  const g = gridOf(lib);
  const color = values.map((v) => (v === null ? NaN : v));
  if (g) {
    const z = g.ys.map(() => g.xs.map(() => null)), text = g.ys.map(() => g.xs.map(() => ""));
    g.cell.forEach(([r, c], k) => { z[r][c] = values[k]; text[r][c] = `location ${lib.ids[k]}: ${values[k] === null ? "–" : values[k].toPrecision(4)}`; });
    return { type: "heatmap", x: g.xs, y: g.ys, z, text, hoverinfo: "text", colorscale, zmin: lo, zmax: hi,
             colorbar: { thickness: 10 }, hoverongaps: false };
  }
  return { x: lib.x_mm, y: lib.y_mm, type: "scatter", mode: "markers",
    marker: { size: cellSize("plot-mean", lib), symbol: "square", color, colorscale, cmin: lo, cmax: hi, colorbar: { thickness: 10 } },
    text: values.map((v, i) => `location ${lib.ids[i]}: ${v === null ? "–" : v.toPrecision(4)}`), hoverinfo: "text" };
}

function fieldPlot(div, title, lib, values, colorscale, mark, range) {
  const [lo, hi] = range || robustRange(values);
  const traces = [fieldTrace(lib, values, colorscale, lo, hi)];
  if (mark) traces.push({ x: mark.x, y: mark.y, type: "scatter", mode: "markers", hoverinfo: "skip",
    marker: { size: 5, color: "#fff", line: { width: 1, color: "#000" } } });
  Plotly.react(div, traces, { title: { text: title, font: { size: 12 }, x: 0.02, xanchor: "left" },
    margin: { l: 40, r: 10, t: 30, b: 30 }, showlegend: false, xaxis: { title: { text: "x (mm)" } },
    uirevision: S.run }, { ...CFG, displayModeBar: false });
}

function drawModel(d, m) {
  const sel = $("model-objective");
  const row = $("plot-mean").parentElement;
  if (m.unavailable) {
    $("model-note").textContent = m.unavailable;
    ["plot-mean", "plot-std", "plot-acq"].forEach((id) => Plotly.purge(id));
    row.style.display = sel.style.display = "none";
    return;
  }
  row.style.display = sel.style.display = "";
  const names = m.objectives.map((o) => o.name);
  if ([...sel.options].map((o) => o.value).join() !== names.join()) {
    sel.innerHTML = ""; names.forEach((n) => sel.add(new Option(n, n)));
  }
  const o = m.objectives.find((x) => x.name === sel.value) || m.objectives[0];
  const lib = d.library;
  const mark = { x: d.measured.map((p) => p.x_mm), y: d.measured.map((p) => p.y_mm) };
  $("model-note").textContent = `next decision · conditioned on ${m.n_observed} measurements · hyperparameters ${m.hypers_source} · ${m.objectives.length} objective(s)`;
  fieldPlot("plot-mean", `mean: ${o.label}`, lib, o.mean, "Viridis", mark);
  fieldPlot("plot-std", `σ: ${o.label}`, lib, o.std, "Magma", mark);
  if (m.acquisition) {
    const acq = m.acquisition.map((v, i) => (m.free[i] ? v : null));
    // what matters is where the acquisition is high: the scale spans its upper three quarters
    fieldPlot("plot-acq", `acquisition (${m.acquisition_name}, free locations)`, lib, acq, "Cividis", null,
              robustRange(acq, 0.25, 1.0));
  } else Plotly.purge("plot-acq");
}

function drawTraces(d) {
  const traces = [], layout = { margin: MARGIN, legend: { orientation: "h", y: -0.3 }, xaxis: { title: { text: "measurement #" } }, uirevision: S.run };
  d.objectives.forEach((o, k) => {
    const ax = k === 0 ? "y" : `y${k + 1}`;
    const sign = o.direction === "maximize" ? 1 : -1;
    const xs = d.measured.map((m) => m.step + 1), ys = d.measured.map((m) => m.objectives[o.name]);
    let best = null;
    const bestLine = d.measured.map((m) => { const v = m.objectives[o.name];
      if (m.feasible && v !== null && (best === null || sign * v > sign * best)) best = v; return best; });
    traces.push({ x: xs, y: ys, yaxis: ax, type: "scatter", mode: "markers", name: o.name,
      marker: { size: 6, symbol: d.measured.map((m) => (m.feasible ? "circle" : "x")) } });
    traces.push({ x: xs, y: bestLine, yaxis: ax, type: "scatter", mode: "lines", line: { shape: "hv" }, name: `best feasible ${o.name}` });
    const shown = Math.min(d.objectives.length, 3), gap = 0.1, h = (1 - gap * (shown - 1)) / shown;
    const top = 1 - k * (h + gap);
    layout.xaxis.anchor = shown > 1 ? `y${shown}` : "y";  // the measurement axis under the lowest panel
    if (k < shown) layout[k === 0 ? "yaxis" : `yaxis${k + 1}`] = { title: { text: o.label, font: { size: 11 } }, domain: [Math.max(0, top - h), top] };
  });
  Plotly.react("plot-traces", traces.slice(0, 6), layout, CFG);
}

function drawFront(d) {
  const f = d.front;
  if (d.objectives.length < 2) {
    $("hv-text").textContent = "single objective: no front";
    Plotly.react("plot-front", [], { margin: MARGIN, annotations: [{ text: "one objective — see the traces", showarrow: false }] }, CFG);
    return;
  }
  const [a, b] = d.objectives;
  const pts = d.measured;
  const traces = [{ x: pts.map((m) => m.objectives[a.name]), y: pts.map((m) => m.objectives[b.name]), type: "scatter", mode: "markers",
    name: "measured", text: pts.map((m) => `#${m.step + 1} · location ${m.location_id}${m.feasible ? "" : " (infeasible)"}`), hoverinfo: "text",
    marker: { size: 7, color: pts.map((m) => (m.feasible ? "#90a4ae" : "#b3261e")), symbol: pts.map((m) => (m.feasible ? "circle" : "x")) } }];
  if (f && f.values.length) {
    const order = f.values.map((v, i) => i).sort((i, j) => f.values[i][0] - f.values[j][0]);
    traces.push({ x: order.map((i) => f.values[i][0]), y: order.map((i) => f.values[i][1]), type: "scatter", mode: "lines+markers",
      line: { shape: "hv", color: "#e53935" }, marker: { size: 9, color: "#e53935" }, name: "feasible front",
      text: order.map((i) => `location ${f.ids[i]}`), hoverinfo: "text" });
  }
  $("hv-text").textContent = f && f.hypervolume !== null ? `hypervolume ${f.hypervolume.toPrecision(5)} after ${f.step + 1} measurements` : "hypervolume not yet defined";
  Plotly.react("plot-front", traces, { margin: MARGIN, xaxis: { title: { text: a.label } }, yaxis: { title: { text: b.label } },
    legend: { orientation: "h", y: -0.3 }, uirevision: S.run }, CFG);
}

function drawCurve(c) {
  if (c.unavailable) { $("curve-note").textContent = c.unavailable; Plotly.purge("plot-curve"); return; }
  S.curveIndex = c.index;
  const m = S.data.measured[c.index];
  const vote = m && m.vote ? (m.vote > 0 ? " · voted good" : " · voted bad") : "";
  const fit = c.fit && c.fit.r2 !== undefined ? ` · fit r² ${c.fit.r2.toFixed(2)}` : "";
  $("curve-note").textContent = `#${c.index + 1} · location ${c.location_id} · ${c.channel} ${c.kind}${fit}${vote}`;
  const traces = [{ x: c.x, y: c.y, type: "scatter", mode: "markers", name: "raw", marker: { size: 4, color: "#455a64" } }];
  if (c.fit_x) {
    traces.push({ x: c.fit_x, y: c.fit_forward, type: "scatter", mode: "lines", name: "fit (rising)", line: { color: "#e53935" } });
    traces.push({ x: c.fit_x, y: c.fit_reverse, type: "scatter", mode: "lines", name: "fit (falling)", line: { color: "#1e88e5" } });
  }
  Plotly.react("plot-curve", traces, { margin: MARGIN, xaxis: { title: { text: c.x_label } }, yaxis: { title: { text: c.y_label } },
    legend: { orientation: "h", y: -0.3 } }, CFG);
}

function drawInstrument(d) {
  const st = d.status;
  const h = (st.instrument_time_s / 3600).toFixed(2);
  const what = st.state === "stopped" ? `stopped (${st.stop_status}): ${st.stop_reason}` :
    st.state === "awaiting" ? `waiting for approval of location ${st.awaiting}` : st.state;
  $("instrument-text").textContent = `${what} · instrument time ${h} h · ${st.n_measured}${st.max_points ? "/" + st.max_points : ""} points · strategy ${d.strategy} · approval gate ${st.approval} · last event ${st.last_event} at ${st.last_time}`;
  const tb = d.time_budget_s, keys = Object.keys(tb);
  Plotly.react("plot-budget", [{ type: "bar", orientation: "h", y: keys, x: keys.map((k) => tb[k] / 3600) }],
    { margin: { l: 80, r: 10, t: 10, b: 35 }, xaxis: { title: { text: "hours" } } }, CFG);
}

function drawWeights(weights) {
  const w = $("weights"); w.innerHTML = "";
  const names = Object.keys(weights);
  if (!names.length) w.textContent = "this strategy exposes no weights";
  const writable = S.data && S.data.access.writable && S.data.status.state !== "stopped";
  names.forEach((name) => {
    const lab = document.createElement("label"); lab.textContent = name;
    const inp = document.createElement("input"); inp.size = 6; inp.value = weights[name]; inp.dataset.weight = name;
    const b = document.createElement("button"); b.textContent = "Set"; b.disabled = !writable;
    b.onclick = () => act({ action: "weight", name, value: inp.value });
    lab.append(inp, b); w.append(lab);
  });
}

function drawNotes(d) {
  const body = $("notes").tBodies[0]; body.innerHTML = "";
  d.notes.slice().reverse().forEach((n) => {
    const tr = body.insertRow(); tr.className = `${n.kind} ${n.category}`;
    [n.seq, n.time.slice(11, 19), n.kind, n.category, n.text + (n.error ? ` — ${n.error}` : "")].forEach((v) => { tr.insertCell().textContent = v; });
  });
  $("notes").dataset.count = String(d.notes.length);
}

function drawHeader(d) {
  const st = d.status;
  $("run-name").textContent = S.single === false ? d.name : `${d.name} · ${S.run}`;
  const badge = $("status"); badge.textContent = st.state; badge.className = `badge ${st.state}`;
  $("progress").textContent = `${st.n_measured}${st.max_points ? "/" + st.max_points : ""} points`;
  const live = st.state !== "stopped" && d.access.writable;
  $("btn-pause").disabled = !live || st.state === "paused";
  $("btn-resume").disabled = !live || st.state !== "paused" || !d.access.moves_allowed;
  $("btn-abort").disabled = !live;
  const nx = d.next;
  $("next-text").textContent = nx ? `next: location ${nx.location_id} (${nx.x_mm.toFixed(2)}, ${nx.y_mm.toFixed(2)}) mm · ${nx.origin}${st.awaiting === nx.location_id ? " · waiting for approval" : ""}` : "no suggestion pending";
  $("btn-approve").disabled = !(live && nx && d.access.moves_allowed);
  $("btn-veto").disabled = !(live && nx);
  $("btn-good").disabled = $("btn-bad").disabled = !d.access.writable || !d.measured.length;
  if (!d.access.moves_allowed && d.access.why_not_moves) say(d.access.why_not_moves, true);
  document.body.dataset.state = st.state;
  document.body.dataset.nMeasured = String(st.n_measured);
}

async function drawRuns() {
  const r = await getJSON("/api/runs");
  S.single = r.single;
  $("panel-runs").style.display = r.single ? "none" : "";
  const sel = $("run-select");
  sel.style.display = r.single ? "none" : "";
  const names = r.runs.map((x) => x.name);
  if ([...sel.options].map((o) => o.value).join() !== names.join()) {
    sel.innerHTML = ""; names.forEach((n) => sel.add(new Option(n, n))); sel.value = S.run;
  }
  if (r.single) return;
  const body = $("runs-table").tBodies[0]; body.innerHTML = "";
  const traces = [];
  r.runs.forEach((x) => {
    const tr = body.insertRow();
    if (x.error) { [x.name, "", "error", "", "", x.error].forEach((v) => { tr.insertCell().textContent = v; }); return; }
    const o = x.objectives[0], trace = x.best_so_far[o.name], last = trace.length ? trace[trace.length - 1] : null;
    const hv = x.hv_trace.length ? x.hv_trace[x.hv_trace.length - 1][1] : null;
    const best = x.objectives.length > 1 && hv !== null ? `hypervolume ${hv.toPrecision(4)}` :
      last === null ? "–" : `${o.name} ${last.toPrecision(4)}`;
    [x.name, x.strategy, x.status.state, x.status.n_measured, (x.status.instrument_time_s / 3600).toFixed(2), best].forEach((v) => { tr.insertCell().textContent = v; });
    tr.onclick = () => selectRun(x.name);
    if (x.objectives.length > 1 && x.hv_trace.length) traces.push({ x: x.hv_trace.map((p) => p[0] + 1), y: x.hv_trace.map((p) => p[1]), mode: "lines", name: `${x.name} hypervolume` });
    else traces.push({ x: trace.map((v, i) => i + 1), y: trace, mode: "lines", line: { shape: "hv" }, name: `${x.name} best ${o.name}` });
  });
  Plotly.react("plot-runs", traces, { margin: MARGIN, xaxis: { title: { text: "measurement #" } }, yaxis: { title: { text: "best feasible / hypervolume" } }, legend: { orientation: "h", y: -0.3 } }, CFG);
}

// ---------- data flow ----------
async function refresh() {
  S.timer = null;
  if (S.busy) { S.again = true; return; }
  S.busy = true;
  try {
    const base = `/api/run/${encodeURIComponent(S.run)}`;
    const d = await getJSON(base);
    if (!S.library) S.library = await getJSON(`${base}/library`);
    d.library = S.library; S.data = d;
    drawHeader(d); drawMap(d); drawTraces(d); drawFront(d); drawInstrument(d); drawNotes(d);
    const key = `${d.measured.length}|${d.notes.length}|${d.next ? d.next.location_id : ""}`;
    if (key !== S.modelKey) { S.modelKey = key; updateModel(); }
    if (d.measured.length !== S.seenMeasured) {
      S.seenMeasured = d.measured.length;
      if (S.latestCurve) showCurve(null).catch((e) => say(String(e), true));
    }
    drawRuns().catch((e) => say(String(e), true));
  } catch (e) { say(String(e), true); }
  finally {
    S.busy = false;
    if (S.again) { S.again = false; schedule(); }
  }
}

// The model and weights of the next decision, in the background and one request at a time:
// while one is computed the run may move on, and the next request asks for the newest state.
function updateModel() {
  if (S.modelBusy) { S.modelStale = true; return; }
  if (!S.model) $("model-note").textContent = "computing the posterior of the next decision…";
  S.modelBusy = true; S.modelStale = false;
  const base = `/api/run/${encodeURIComponent(S.run)}`, run = S.run;
  Promise.all([getJSON(`${base}/model`), getJSON(`${base}/weights`)])
    .then(([m, w]) => { if (run !== S.run) return; S.model = m; drawModel(S.data, m); drawWeights(w); })
    .catch((e) => say(String(e), true))
    .finally(() => { S.modelBusy = false; if (S.modelStale) updateModel(); });
}

function schedule() { if (!S.timer) S.timer = setTimeout(refresh, 250); }

async function showCurve(index) {
  const q = index === null ? "" : `?index=${index}`;
  S.latestCurve = index === null;
  drawCurve(await getJSON(`/api/run/${encodeURIComponent(S.run)}/curve${q}`));
}

function follow() {
  if (S.source) S.source.close();
  S.source = new EventSource(`/api/run/${encodeURIComponent(S.run)}/stream`);
  S.source.addEventListener("log", (ev) => {
    const events = JSON.parse(ev.data);
    document.body.dataset.lastSeq = String(events[events.length - 1].seq);
    schedule();
  });
  S.source.addEventListener("runs", () => drawRuns());
  S.source.onerror = () => say("event stream interrupted; reconnecting…", true);
  S.source.onopen = () => { if ($("message").className !== "error") say("following the event log", false); };
}

function selectRun(name) {
  S.run = name; S.data = null; S.library = null; S.modelKey = ""; S.seenMeasured = -1; S.latestCurve = true;
  history.replaceState(null, "", `?run=${encodeURIComponent(name)}`);
  $("run-select").value = name;
  follow(); refresh();
}

function bind() {
  $("operator").value = localStorage.getItem("explorer-operator") || "";
  document.querySelectorAll("header button[data-action]").forEach((b) => {
    b.onclick = () => {
      if (b.dataset.action === "abort" && !window.confirm("Abort the run? The instrument is made safe.")) return;
      act({ action: b.dataset.action });
    };
  });
  $("btn-approve").onclick = () => S.data.next && act({ action: "approve", location_id: S.data.next.location_id, reason: $("veto-reason").value });
  $("btn-veto").onclick = () => S.data.next && act({ action: "veto", location_id: S.data.next.location_id, reason: $("veto-reason").value });
  const vote = (v) => S.curveIndex !== null && act({ action: "vote", vote: v, location_id: S.data.measured[S.curveIndex].location_id, reason: $("vote-reason").value });
  $("btn-good").onclick = () => vote("good");
  $("btn-bad").onclick = () => vote("bad");
  $("curve-prev").onclick = () => S.curveIndex > 0 && showCurve(S.curveIndex - 1);
  $("curve-next").onclick = () => S.curveIndex !== null && S.curveIndex + 1 < S.data.measured.length && showCurve(S.curveIndex + 1);
  $("curve-latest").onclick = () => showCurve(null);
  $("model-objective").onchange = () => S.model && drawModel(S.data, S.model);
  $("run-select").onchange = (e) => selectRun(e.target.value);
}

async function start() {
  const r = await getJSON("/api/runs");
  const wanted = new URLSearchParams(location.search).get("run");
  const names = r.runs.map((x) => x.name);
  if (!names.length) { say("no runs here yet; waiting for one to start…", false); setTimeout(start, 3000); return; }
  selectRun(names.includes(wanted) ? wanted : names[names.length - 1]);
}

bind();
start().catch((e) => say(String(e), true));

// Search statistics page: the tables of GET /stats as accessible HTML tables, two of them also
// drawn as inline-SVG bar charts (decorative: the tables carry the numbers), each with a link to
// its CSV.

const SVG_NS = "http://www.w3.org/2000/svg";
const nf = new Intl.NumberFormat("en");
const LABELS = {
  query: "Query", searches: "Searches", results: "Results (average)", day: "Day",
  zero_results: "With no results", percentile: "Percentile", ms: "Milliseconds",
};
const NUMERIC = new Set(["searches", "results", "zero_results", "percentile", "ms"]);
const params = new URLSearchParams(location.search);
const days = /^\d+$/.test(params.get("days") ?? "") ? params.get("days") : "30";
const limit = /^\d+$/.test(params.get("limit") ?? "") ? params.get("limit") : "20";

function table(name, rows) {
  const wrap = document.querySelector(`[data-table="${name}"]`);
  const link = document.createElement("a");
  link.className = "csv-link";
  link.href = `/stats/${name}.csv?${new URLSearchParams({ days, limit })}`;
  link.textContent = "Download as CSV";
  if (!rows.length) {
    const p = document.createElement("p");
    p.className = "muted";
    p.textContent = "Nothing recorded in this period.";
    wrap.replaceChildren(p, link);
    return;
  }
  const t = document.createElement("table");
  t.className = "data-table";
  const head = t.createTHead().insertRow();
  const columns = Object.keys(rows[0]);
  for (const c of columns) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = LABELS[c] ?? c;
    if (NUMERIC.has(c)) th.className = "num";
    head.append(th);
  }
  const body = t.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    for (const c of columns) {
      const td = tr.insertCell();
      const v = row[c];
      if (NUMERIC.has(c)) td.className = "num";
      td.textContent = v === null || v === undefined ? "—" : typeof v === "number" ? nf.format(v) : String(v);
    }
  }
  wrap.replaceChildren(t, link);
}

function bars(figureId, values) {
  const figure = document.getElementById(figureId);
  const max = Math.max(1, ...values.map((v) => v ?? 0));
  const chart = document.createElementNS(SVG_NS, "svg");
  chart.setAttribute("viewBox", `0 0 ${Math.max(1, values.length) * 10} 100`);
  chart.setAttribute("preserveAspectRatio", "none");
  chart.setAttribute("aria-hidden", "true");
  values.forEach((v, i) => {
    const h = v ? Math.max(1, (v / max) * 98) : 0;
    const rect = document.createElementNS(SVG_NS, "rect");
    for (const [k, val] of Object.entries({ class: "bar", x: i * 10 + 1, y: 100 - h, width: 8, height: h })) {
      rect.setAttribute(k, String(val));
    }
    chart.append(rect);
  });
  figure.querySelector("svg")?.remove();
  figure.prepend(chart);
}

async function load() {
  document.getElementById("days").value = days;
  document.getElementById("limit").value = limit;
  const res = await fetch(`/stats?${new URLSearchParams({ days, limit })}`, { headers: { Accept: "application/json" } });
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new Error(body?.error?.message ?? `The service answered HTTP ${res.status}.`);
  for (const name of ["searches_per_day", "latency", "top_queries", "zero_result_queries", "no_click_queries"]) {
    table(name, body[name] ?? []);
  }
  bars("per-day-chart", (body.searches_per_day ?? []).map((r) => r.searches));
  bars("latency-chart", (body.latency ?? []).map((r) => r.ms));
}

load()
  .catch((err) => {
    const box = document.getElementById("error");
    box.textContent = err.message;
    box.hidden = false;
  })
  .finally(() => document.body.setAttribute("data-ready", "1"));

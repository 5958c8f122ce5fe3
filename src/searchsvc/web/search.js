// Newsroom search page.
//
// The whole page state lives in the URL query string (shareable, back/forward restore it); every
// change goes state -> URL -> GET /search -> render. Strings from the index are inserted with
// textContent; the one exception is the server's escaped snippet, and even that is rebuilt from
// text nodes and <mark> elements only (see setSnippet in snippet.js).

import { setSnippet } from "./snippet.js";

const FACETS = ["speaker", "role", "author", "source", "kind", "event", "year"];
const FACET_LABELS = {
  speaker: "Speaker", role: "Role", author: "Author", source: "Source", kind: "Kind", event: "Event",
  year: "Year",
};
const SORTS = ["relevance", "-date", "date"];
const FACET_PREVIEW = 8; // values shown before "Show all"
const TYPE_DELAY = 250; // ms of quiet before search-as-you-type fires
const SUGGEST_DELAY = 120;
const SUGGEST_MAX = 8;
const NARROW = window.matchMedia("(max-width: 799px)");

const $ = (id) => document.getElementById(id);
const ui = {
  form: $("search-form"),
  q: $("q"),
  listbox: $("suggestions"),
  filters: $("filters"),
  filterForm: $("filter-form"),
  filterCount: $("filter-count"),
  facets: $("facets"),
  dateFrom: $("date_from"),
  dateTo: $("date_to"),
  clear: $("clear-filters"),
  results: $("results"),
  status: $("status"),
  sort: $("sort"),
  group: $("group"),
  chips: $("active-filters"),
  error: $("error"),
  didYouMean: $("did-you-mean"),
  alsoSearched: $("also-searched"),
  empty: $("empty"),
  hits: $("hits"),
  pager: $("pager"),
  hitTemplate: $("hit-template"),
  timeline: $("timeline"),
  timelineCaption: $("timeline-caption"),
  timelineChart: $("timeline-chart"),
  timelineRows: $("timeline-table").tBodies[0],
};

// ---------------------------------------------------------------------------------------------
// State <-> URL

function emptyState() {
  return {
    q: "",
    filters: Object.fromEntries(FACETS.map((f) => [f, []])),
    date_from: "",
    date_to: "",
    sort: "relevance",
    group: false,
    synonyms: true, // the newsroom's synonyms expand the query unless the reader turns them off
    page: 1,
  };
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function stateFromQuery(search) {
  const params = new URLSearchParams(search);
  const s = emptyState();
  s.q = params.get("q") ?? "";
  for (const f of FACETS) s.filters[f] = [...new Set(params.getAll(f).filter(Boolean))];
  for (const d of ["date_from", "date_to"]) {
    const v = params.get(d) ?? "";
    s[d] = ISO_DATE.test(v) ? v : "";
  }
  const sort = params.get("sort");
  if (SORTS.includes(sort)) s.sort = sort;
  s.group = params.get("group") === "document";
  s.synonyms = params.get("synonyms") !== "false";
  const page = Number.parseInt(params.get("page") ?? "", 10);
  s.page = Number.isFinite(page) && page >= 1 ? page : 1;
  return s;
}

function toParams(s) {
  const params = new URLSearchParams();
  if (s.q) params.set("q", s.q);
  for (const f of FACETS) for (const v of s.filters[f]) params.append(f, v);
  if (s.date_from) params.set("date_from", s.date_from);
  if (s.date_to) params.set("date_to", s.date_to);
  if (s.sort !== "relevance") params.set("sort", s.sort);
  if (s.group) params.set("group", "document");
  if (!s.synonyms) params.set("synonyms", "false");
  if (s.page > 1) params.set("page", String(s.page));
  return params;
}

function urlFor(s) {
  const qs = toParams(s).toString();
  return qs ? `${location.pathname}?${qs}` : location.pathname;
}

function withChanges(changes, { keepPage = false } = {}) {
  const next = structuredClone(state);
  Object.assign(next, changes);
  if (!keepPage && !("page" in changes)) next.page = 1;
  return next;
}

function activeFilterCount(s) {
  return FACETS.reduce((n, f) => n + s.filters[f].length, 0) + (s.date_from ? 1 : 0) + (s.date_to ? 1 : 0);
}

let state = stateFromQuery(location.search);
let typingEntry = false; // true while search-as-you-type owns the current history entry

/** Make `next` the current state: record it in history (push/replace/none), sync controls, search. */
function commit(next, mode = "push") {
  state = next;
  const url = urlFor(state);
  const here = location.pathname + location.search;
  if (mode === "push" && url !== here) history.pushState(null, "", url);
  else if (mode === "replace" && url !== here) history.replaceState(null, "", url);
  if (mode !== "replace") typingEntry = false;
  syncControls();
  runSearch();
}

window.addEventListener("popstate", () => {
  const next = stateFromQuery(location.search);
  // A fragment link (the skip link, #p12) also fires popstate: the search is the same, so the
  // page must not search again and re-render under the focus the link just moved.
  if (urlFor(next) === urlFor(state)) return;
  state = next;
  typingEntry = false;
  closeSuggestions();
  syncControls({ query: true });
  runSearch();
});

function syncControls({ query = false } = {}) {
  if (query || document.activeElement !== ui.q) {
    if (ui.q.value !== state.q) ui.q.value = state.q;
  }
  ui.sort.value = state.sort;
  ui.group.checked = state.group;
  ui.dateFrom.value = state.date_from;
  ui.dateTo.value = state.date_to;
  for (const box of ui.facets.querySelectorAll("input[type=checkbox]")) {
    box.checked = state.filters[box.name]?.includes(box.value) ?? false;
  }
  const n = activeFilterCount(state);
  ui.filterCount.hidden = n === 0;
  ui.filterCount.textContent = n ? `${n} active` : "";
  ui.clear.hidden = n === 0;
  renderChips();
  document.title = state.q ? `${state.q} – Newsroom search` : "Newsroom search";
}

// ---------------------------------------------------------------------------------------------
// Talking to the API

class ApiError extends Error {}

async function getJSON(url, signal) {
  let res;
  try {
    res = await fetch(url, { headers: { Accept: "application/json" }, signal });
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError("The search service could not be reached. Check the connection and try again.");
  }
  let body = null;
  try {
    body = await res.json();
  } catch {
    // fall through: a non-JSON answer is reported below
  }
  if (!res.ok) {
    const msg = body?.error?.message;
    throw new ApiError(msg ? `${msg} (HTTP ${res.status})` : `The search service answered HTTP ${res.status}.`);
  }
  if (body === null) throw new ApiError("The search service sent an unreadable answer.");
  return body;
}

let searchCtrl = null;

async function runSearch() {
  searchCtrl?.abort();
  const ctrl = new AbortController();
  searchCtrl = ctrl;
  ui.results.setAttribute("aria-busy", "true");
  ui.results.classList.add("loading");
  try {
    const api = toParams(state);
    api.set("histogram", "auto"); // the chart above the results, counted over all of them
    const body = await getJSON(`/search?${api}`, ctrl.signal);
    if (ctrl !== searchCtrl) return;
    render(body);
    ui.results.dataset.state = "ok";
  } catch (err) {
    if (err.name === "AbortError" || ctrl !== searchCtrl) return;
    showError(err instanceof ApiError ? err.message : "Something went wrong while showing the results.");
    ui.results.dataset.state = "error";
    if (!(err instanceof ApiError)) console.warn(err); // a bug of ours, not the server's
  } finally {
    if (ctrl === searchCtrl) {
      // What is on screen now answers this query string (tests and tools wait on it).
      ui.results.dataset.rendered = toParams(state).toString();
      ui.results.removeAttribute("aria-busy");
      ui.results.classList.remove("loading");
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Rendering results

const nf = new Intl.NumberFormat("en");
const df = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });

function formatDate(iso) {
  if (!iso || !ISO_DATE.test(String(iso).slice(0, 10))) return iso ?? "";
  const [y, m, d] = String(iso).slice(0, 10).split("-").map(Number);
  return df.format(new Date(Date.UTC(y, m - 1, d)));
}

function plural(n, one, many = `${one}s`) {
  return `${nf.format(n)} ${n === 1 ? one : many}`;
}

function showError(message) {
  ui.error.replaceChildren();
  const text = document.createElement("span");
  text.textContent = message;
  const retry = document.createElement("button");
  retry.type = "button";
  retry.className = "btn btn-small";
  retry.textContent = "Try again";
  retry.addEventListener("click", () => runSearch());
  ui.error.append(text, " ", retry);
  ui.error.hidden = false;
  ui.status.textContent = "Search failed.";
  ui.hits.replaceChildren();
  ui.pager.hidden = true;
  ui.empty.hidden = true;
  ui.didYouMean.hidden = true;
  ui.alsoSearched.hidden = true;
  ui.timeline.hidden = true;
}

function render(body) {
  ui.error.hidden = true;
  const total = Number(body.total) || 0;
  const page = Number(body.page) || state.page;
  const perPage = Number(body.per_page) || 10;
  const hits = Array.isArray(body.hits) ? body.hits : [];

  // Status line, announced politely by screen readers.
  let status;
  if (total === 0) status = state.q ? `No results for “${state.q}”` : "No results";
  else {
    const first = (page - 1) * perPage + 1;
    const last = first + hits.length - 1;
    if (state.q) {
      status = `${state.group ? plural(total, "document") : plural(total, "result")} for “${state.q}”`;
    } else {
      // No words: the server lists matching paragraphs by date.
      status = `${state.group ? plural(total, "document") : plural(total, "paragraph")}, ${state.sort === "date" ? "oldest" : "newest"} first`;
    }
    if (total > hits.length && hits.length) status += ` · showing ${nf.format(first)}–${nf.format(last)}`;
  }
  ui.status.textContent = status;

  renderDidYouMean(body.suggestion, total);
  renderAlsoSearched(Array.isArray(body.expansions) ? body.expansions : []);
  renderEmpty(total, hits.length, body.suggestion);
  ui.hits.replaceChildren(...hits.map(renderHit));
  renderTimeline(total ? body.histogram : null);
  renderFacets(body.facets ?? {});
  renderPager(total, page, perPage);
}

function renderDidYouMean(suggestion, total) {
  ui.didYouMean.replaceChildren();
  if (!suggestion || suggestion === state.q) {
    ui.didYouMean.hidden = true;
    return;
  }
  const link = document.createElement("a");
  link.href = urlFor(withChanges({ q: suggestion }));
  link.className = "suggestion-link";
  link.dataset.q = suggestion;
  link.textContent = suggestion;
  ui.didYouMean.append(total === 0 ? "Did you mean " : "Also try ", link, "?");
  ui.didYouMean.hidden = false;
}

ui.didYouMean.addEventListener("click", (e) => {
  const link = e.target.closest("a[data-q]");
  if (!link || isModified(e)) return;
  e.preventDefault();
  commit(withChanges({ q: link.dataset.q }));
});

/**
 * "Also searched: …" names the synonyms the server says it used, so a reader knows why a hit
 * without their word is there, and offers the search without them; with synonyms off, the way
 * back.
 */
function renderAlsoSearched(expansions) {
  ui.alsoSearched.replaceChildren();
  const used = expansions.filter((e) => e && typeof e.term === "string" && Array.isArray(e.synonyms));
  if (!state.q || (state.synonyms && !used.length)) {
    ui.alsoSearched.hidden = true;
    return;
  }
  const link = document.createElement("a");
  link.className = "synonyms-toggle";
  link.dataset.synonyms = String(!state.synonyms);
  link.href = urlFor(withChanges({ synonyms: !state.synonyms }));
  if (state.synonyms) {
    const list = document.createElement("span");
    list.className = "expansions";
    used.forEach((e, i) => {
      if (i) list.append("; ");
      const words = document.createElement("b");
      words.textContent = e.synonyms.join(", ");
      list.append(words, ` for “${e.term}”`);
    });
    link.textContent = "Search only the words typed";
    ui.alsoSearched.append("Also searched: ", list, ". ", link);
  } else {
    link.textContent = "Include synonyms";
    ui.alsoSearched.append("Synonyms off: only the words typed were searched. ", link);
  }
  ui.alsoSearched.hidden = false;
}

ui.alsoSearched.addEventListener("click", (e) => {
  const link = e.target.closest("a[data-synonyms]");
  if (!link || isModified(e)) return;
  e.preventDefault();
  commit(withChanges({ synonyms: link.dataset.synonyms === "true" }));
});

function renderEmpty(total, shown, suggestion) {
  ui.empty.replaceChildren();
  if (total > 0 && shown > 0) {
    ui.empty.hidden = true;
    return;
  }
  if (total > 0) {
    ui.empty.append("This page is past the last result. ");
    const first = document.createElement("a");
    first.href = urlFor(withChanges({ page: 1 }));
    first.dataset.page = "1";
    first.textContent = "Go to the first page";
    ui.empty.append(first, ".");
  } else if (activeFilterCount(state)) {
    ui.empty.append("Nothing matches these filters. ");
    const clear = document.createElement("button");
    clear.type = "button";
    clear.className = "btn btn-small";
    clear.dataset.action = "clear-filters";
    clear.textContent = "Clear all filters";
    ui.empty.append(clear);
  } else if (suggestion && suggestion !== state.q) {
    ui.empty.hidden = true; // the did-you-mean line says it all
    return;
  } else {
    ui.empty.append(state.q ? "Try fewer or different words, or check the spelling." : "Type a word or a name to search.");
  }
  ui.empty.hidden = false;
}

function docHref(hit) {
  const fallback = `/documents/${encodeURIComponent(hit.document?.id ?? "")}#p${hit.paragraph}`;
  const url = new URL(hit.citation?.url || fallback, location.origin);
  if (state.q) url.searchParams.set("q", state.q);
  return url.pathname + url.search + url.hash;
}

function citationUrl(hit) {
  const fallback = `/documents/${encodeURIComponent(hit.document?.id ?? "")}#p${hit.paragraph}`;
  return new URL(hit.citation?.url || fallback, location.origin).href;
}

function badge(text, cls) {
  const span = document.createElement("span");
  span.className = `badge ${cls}`;
  span.textContent = text;
  return span;
}

/** A speaker's badge links to what else they said (the speakers page). */
function speakerBadge(name) {
  const a = document.createElement("a");
  a.className = "badge badge-speaker";
  a.href = `/speakers/${encodeURIComponent(name)}`;
  a.textContent = name;
  return a;
}

/** Tell the analytics which result was opened: query, hit and rank only; no cookies. */
function reportOpen(hit) {
  if (!navigator.sendBeacon || !hit.id) return;
  navigator.sendBeacon("/analytics/click", JSON.stringify({ q: state.q, id: hit.id, rank: hit.rank ?? null }));
}

function renderHit(hit) {
  const li = ui.hitTemplate.content.firstElementChild.cloneNode(true);
  const doc = hit.document ?? {};
  const href = docHref(hit);
  const title = doc.title || doc.id || "Untitled document";

  const link = li.querySelector(".permalink");
  link.href = href;
  link.textContent = title;

  const source = li.querySelector(".hit-source");
  source.textContent = doc.source ?? "";
  source.hidden = !doc.source;
  const date = li.querySelector(".hit-date");
  date.textContent = formatDate(doc.date);
  if (doc.date) date.dateTime = doc.date;
  date.hidden = !doc.date;
  li.querySelector(".hit-para").textContent = `¶ ${hit.paragraph}`;

  const badges = li.querySelector(".badges");
  if (hit.speaker) badges.append(speakerBadge(hit.speaker));
  if (hit.role) {
    const role = /^[a-z]+$/.test(hit.role) ? hit.role : "other";
    badges.append(badge(hit.role, `badge-role role-${role}`));
  }
  if (doc.kind) badges.append(badge(doc.kind, "badge-kind"));
  badges.hidden = !badges.childElementCount;

  setSnippet(li.querySelector(".snippet"), hit.snippet ?? hit.text);

  const open = li.querySelector(".open-para");
  open.href = href;
  // The visible words start the accessible name (WCAG 2.5.3); the rest says which paragraph.
  open.querySelector(".open-para-detail").textContent = `: paragraph ${hit.paragraph} of ${title}`;
  for (const a of [link, open]) {
    a.addEventListener("click", () => reportOpen(hit));
    a.addEventListener("auxclick", (e) => { if (e.button === 1) reportOpen(hit); });
  }
  const relatedBtn = li.querySelector(".show-related");
  relatedBtn.setAttribute("aria-label", `Related passages for paragraph ${hit.paragraph} of ${title}`);
  relatedBtn.addEventListener("click", () => toggleRelated(hit, li, relatedBtn));
  const copyBtn = li.querySelector(".copy-citation");
  copyBtn.setAttribute("aria-label", `Copy citation for paragraph ${hit.paragraph} of ${title}`);
  copyBtn.addEventListener("click", () => copyCitation(hit, copyBtn, li.querySelector(".copied")));
  li.dataset.id = hit.id ?? "";
  return li;
}

// ---------------------------------------------------------------------------------------------
// Related passages (more like this), under the result they were asked for

async function toggleRelated(hit, li, button) {
  const section = li.querySelector(".related");
  const open = button.getAttribute("aria-expanded") !== "true";
  button.setAttribute("aria-expanded", String(open));
  section.hidden = !open;
  if (!open || section.dataset.loaded) return;
  const status = section.querySelector(".related-status");
  const list = section.querySelector(".related-hits");
  status.textContent = "Looking for related passages…";
  const docId = hit.document?.id ?? "";
  try {
    const body = await getJSON(`/documents/${encodeURIComponent(docId)}/related?${new URLSearchParams({ p: hit.paragraph, limit: 5 })}`);
    const hits = Array.isArray(body.hits) ? body.hits : [];
    list.replaceChildren(...hits.map(relatedItem));
    status.textContent = hits.length
      ? `${plural(hits.length, "passage")} sharing ${(body.terms ?? []).slice(0, 5).join(", ")}`
      : "No related passages in other documents.";
    section.dataset.loaded = "1";
  } catch (err) {
    status.textContent = err instanceof ApiError ? err.message : "Related passages could not be loaded.";
  }
}

function relatedItem(hit) {
  const li = document.createElement("li");
  li.className = "related-hit";
  li.dataset.id = hit.id ?? "";
  const doc = hit.document ?? {};
  const a = document.createElement("a");
  a.href = new URL(hit.citation?.url || `/documents/${encodeURIComponent(doc.id ?? "")}#p${hit.paragraph}`, location.origin).pathname
    + `#p${hit.paragraph}`;
  a.textContent = `${doc.title || doc.id || "Untitled document"}, ¶ ${hit.paragraph}`;
  a.addEventListener("click", () => reportOpen(hit));
  const meta = document.createElement("div");
  meta.className = "related-meta";
  meta.textContent = [hit.speaker, doc.source, formatDate(doc.date)].filter(Boolean).join(" · ");
  const quote = document.createElement("blockquote");
  quote.className = "snippet";
  setSnippet(quote, hit.snippet ?? hit.text);
  li.append(a, meta, quote);
  return li;
}

// ---------------------------------------------------------------------------------------------
// Results over time: a bar per period; click or drag over bars (or arrows + Enter) to set dates

const SVG_NS = "http://www.w3.org/2000/svg";
const CHART_H = 60;
const timeline = { buckets: [], anchor: null, active: 0, drag: null };
const mf = new Intl.DateTimeFormat("en-GB", { month: "short", year: "numeric", timeZone: "UTC" });

function bucketLabel(b) {
  const [y, m, d] = String(b.from).split("-").map(Number);
  const day = new Date(Date.UTC(y, m - 1, d));
  if (/^\d{4}$/.test(b.key)) return b.key;
  if (/^\d{4}-\d{2}$/.test(b.key)) return mf.format(day);
  if (/W/.test(b.key)) return `week of ${df.format(day)}`;
  return df.format(day);
}

function svg(name, attrs) {
  const el = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

function renderTimeline(buckets) {
  const list = Array.isArray(buckets) ? buckets.filter((b) => b && b.from && b.to) : [];
  const hadFocus = ui.timelineChart.contains(document.activeElement);
  timeline.buckets = list;
  timeline.anchor = null;
  if (list.length < 2) {
    ui.timeline.hidden = true;
    ui.timelineChart.replaceChildren();
    ui.timelineRows.replaceChildren();
    return;
  }
  const max = Math.max(1, ...list.map((b) => Number(b.count) || 0));
  const chart = svg("svg", {
    viewBox: `0 0 ${list.length * 10} ${CHART_H}`,
    preserveAspectRatio: "none",
    role: "group",
    "aria-label": "Results over time; choose a period to narrow the dates",
  });
  const selected = (b) => (state.date_from || state.date_to)
    && (!state.date_from || b.to >= state.date_from) && (!state.date_to || b.from <= state.date_to);
  if (timeline.active >= list.length) timeline.active = 0;
  list.forEach((b, i) => {
    const n = Number(b.count) || 0;
    const h = n ? Math.max(2, Math.round((n / max) * (CHART_H - 2))) : 0;
    const slot = svg("rect", {
      class: "bar-slot", x: i * 10, y: 0, width: 10, height: CHART_H,
      role: "button", tabindex: i === timeline.active ? 0 : -1,
      "aria-label": `${bucketLabel(b)}: ${plural(n, "result")}`,
      "data-i": i,
    });
    const bar = svg("rect", { class: `bar${selected(b) ? " selected" : ""}`, x: i * 10 + 1, y: CHART_H - h, width: 8, height: h, "data-i": i });
    chart.append(slot, bar);
  });
  ui.timelineChart.replaceChildren(chart);
  ui.timelineRows.replaceChildren(...list.map((b) => {
    const tr = document.createElement("tr");
    const th = document.createElement("th");
    th.scope = "row";
    th.textContent = bucketLabel(b);
    const td = document.createElement("td");
    td.textContent = nf.format(Number(b.count) || 0);
    tr.append(th, td);
    return tr;
  }));
  ui.timelineCaption.textContent = `Results over time, ${bucketLabel(list[0])} – ${bucketLabel(list[list.length - 1])}. `
    + "Click a bar or drag across bars to narrow the dates (keyboard: arrows, Shift+arrows, Enter).";
  ui.timeline.hidden = false;
  if (hadFocus) focusBar(timeline.active);
}

function slots() {
  return [...ui.timelineChart.querySelectorAll(".bar-slot")];
}

function focusBar(i) {
  const all = slots();
  if (!all.length) return;
  const j = Math.max(0, Math.min(all.length - 1, i));
  all.forEach((s, k) => s.setAttribute("tabindex", k === j ? "0" : "-1"));
  timeline.active = j;
  all[j].focus();
  markRange(timeline.anchor ?? j, j);
}

function markRange(a, b) {
  const [lo, hi] = a <= b ? [a, b] : [b, a];
  for (const bar of ui.timelineChart.querySelectorAll(".bar")) {
    const i = Number(bar.dataset.i);
    bar.classList.toggle("selected", i >= lo && i <= hi && (timeline.drag !== null || timeline.anchor !== null));
  }
}

function applyRange(a, b) {
  const [lo, hi] = a <= b ? [a, b] : [b, a];
  const first = timeline.buckets[lo];
  const last = timeline.buckets[hi];
  if (!first || !last) return;
  timeline.anchor = null;
  commit(withChanges({ date_from: first.from, date_to: last.to }));
}

function barAt(e) {
  const chart = ui.timelineChart.querySelector("svg");
  const box = chart.getBoundingClientRect();
  const i = Math.floor(((e.clientX - box.left) / box.width) * timeline.buckets.length);
  return Math.max(0, Math.min(timeline.buckets.length - 1, i));
}

ui.timelineChart.addEventListener("pointerdown", (e) => {
  if (!timeline.buckets.length || e.button !== 0) return;
  e.preventDefault();
  timeline.drag = barAt(e);
  timeline.active = timeline.drag;
  ui.timelineChart.setPointerCapture(e.pointerId);
  markRange(timeline.drag, timeline.drag);
});
ui.timelineChart.addEventListener("pointermove", (e) => {
  if (timeline.drag === null) return;
  markRange(timeline.drag, barAt(e));
});
ui.timelineChart.addEventListener("pointerup", (e) => {
  if (timeline.drag === null) return;
  const start = timeline.drag;
  timeline.drag = null;
  applyRange(start, barAt(e));
});
ui.timelineChart.addEventListener("pointercancel", () => {
  timeline.drag = null;
  markRange(0, -1);
});
ui.timelineChart.addEventListener("keydown", (e) => {
  const slot = e.target.closest(".bar-slot");
  if (!slot) return;
  const i = Number(slot.dataset.i);
  const n = timeline.buckets.length;
  const move = { ArrowRight: 1, ArrowLeft: -1, Home: -n, End: n }[e.key];
  if (move !== undefined) {
    e.preventDefault();
    if (e.shiftKey && timeline.anchor === null) timeline.anchor = i;
    if (!e.shiftKey) timeline.anchor = null;
    focusBar(i + move);
  } else if (e.key === "Enter" || e.key === " ") {
    e.preventDefault();
    applyRange(timeline.anchor ?? i, i);
  } else if (e.key === "Escape") {
    timeline.anchor = null;
    markRange(0, -1);
  }
});

// ---------------------------------------------------------------------------------------------
// Copy citation

function citationText(hit) {
  const url = citationUrl(hit);
  const text = hit.citation?.text;
  if (!text) {
    const doc = hit.document ?? {};
    const who = hit.speaker ? `${hit.speaker}, ` : "";
    return `${who}“${doc.title ?? doc.id}”, ${[doc.source, doc.date].filter(Boolean).join(", ")}, ¶${hit.paragraph}. ${url}`;
  }
  return text.includes(url) ? text : `${text} ${url}`;
}

async function writeClipboard(text) {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // permission refused or document not focused: try the old way
    }
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.readOnly = true;
  area.className = "offscreen";
  document.body.append(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand("copy");
  } catch {
    ok = false;
  }
  area.remove();
  return ok;
}

async function copyCitation(hit, button, live) {
  const ok = await writeClipboard(citationText(hit));
  button.focus();
  button.textContent = ok ? "Copied" : "Copy failed";
  button.classList.toggle("done", ok);
  live.textContent = ok ? "Citation copied to the clipboard." : "Could not copy; select the text and copy it by hand.";
  clearTimeout(button._reset);
  button._reset = setTimeout(() => {
    button.textContent = "Copy citation";
    button.classList.remove("done");
    live.textContent = "";
  }, 2000);
}

// ---------------------------------------------------------------------------------------------
// Facets and filters

const expanded = new Set(); // facet fields whose full list is shown

function renderFacets(facets) {
  const focused = document.activeElement;
  const refocus = ui.facets.contains(focused)
    ? { name: focused.name, value: focused.value, cls: focused.className, field: focused.dataset.field }
    : null;

  const groups = FACETS.map((f) => facetGroup(f, facets[f] ?? [])).filter(Boolean);
  ui.facets.replaceChildren(...groups);

  if (refocus) {
    const again = refocus.name
      ? [...ui.facets.querySelectorAll("input")].find((i) => i.name === refocus.name && i.value === refocus.value)
      : ui.facets.querySelector(`button[data-field="${CSS.escape(refocus.field ?? "")}"]`);
    again?.focus();
  }
}

function facetGroup(field, values) {
  const selected = state.filters[field];
  const list = values.map((v) => ({ value: String(v.value), count: Number(v.count) || 0 }));
  for (const v of selected) if (!list.some((x) => x.value === v)) list.push({ value: v, count: 0 });
  if (!list.length) return null;

  const fieldset = document.createElement("fieldset");
  fieldset.className = `facet facet-${field}`;
  const legend = document.createElement("legend");
  legend.textContent = FACET_LABELS[field];
  const ul = document.createElement("ul");
  ul.className = "facet-values";
  const showAll = expanded.has(field) || list.length <= FACET_PREVIEW + 1;
  list.forEach((v, i) => {
    if (!showAll && i >= FACET_PREVIEW && !selected.includes(v.value)) return;
    const li = document.createElement("li");
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.name = field;
    box.value = v.value;
    box.checked = selected.includes(v.value);
    const name = document.createElement("span");
    name.className = "facet-value";
    name.textContent = v.value;
    const count = document.createElement("span");
    count.className = "count";
    const hidden = document.createElement("span");
    hidden.className = "visually-hidden";
    hidden.textContent = ", results:";
    count.append(hidden, ` ${nf.format(v.count)}`);
    label.append(box, name, count);
    li.append(label);
    ul.append(li);
  });
  fieldset.append(legend, ul);
  if (list.length > FACET_PREVIEW + 1) {
    const more = document.createElement("button");
    more.type = "button";
    more.className = "btn btn-link facet-more";
    more.dataset.field = field;
    more.setAttribute("aria-expanded", String(showAll));
    more.textContent = showAll ? "Show fewer" : `Show all ${list.length}`;
    fieldset.append(more);
  }
  return fieldset;
}

ui.facets.addEventListener("change", (e) => {
  const box = e.target;
  if (box.type !== "checkbox" || !FACETS.includes(box.name)) return;
  const values = new Set(state.filters[box.name]);
  if (box.checked) values.add(box.value);
  else values.delete(box.value);
  commit(withChanges({ filters: { ...state.filters, [box.name]: [...values] } }));
});

ui.facets.addEventListener("click", (e) => {
  const more = e.target.closest("button.facet-more");
  if (!more) return;
  const field = more.dataset.field;
  if (expanded.has(field)) expanded.delete(field);
  else expanded.add(field);
  runSearch(); // re-render with the fresh counts; cheap, and keeps one rendering path
});

for (const input of [ui.dateFrom, ui.dateTo]) {
  input.addEventListener("change", () => {
    const v = input.value;
    if (v && !ISO_DATE.test(v)) return;
    commit(withChanges({ [input.name]: v }));
  });
}

ui.sort.addEventListener("change", () => commit(withChanges({ sort: ui.sort.value })));
ui.group.addEventListener("change", () => commit(withChanges({ group: ui.group.checked })));
ui.filterForm.addEventListener("submit", (e) => e.preventDefault());

function clearFilters() {
  commit(withChanges({ filters: emptyState().filters, date_from: "", date_to: "" }));
}
ui.clear.addEventListener("click", clearFilters);
ui.empty.addEventListener("click", (e) => {
  if (e.target.closest("[data-action=clear-filters]")) clearFilters();
});

function renderChips() {
  const chips = [];
  const chip = (label, changes) => {
    const li = document.createElement("li");
    const btn = document.createElement("button");
    btn.type = "button";
    btn.className = "chip";
    btn.setAttribute("aria-label", `Remove filter ${label}`);
    const text = document.createElement("span");
    text.textContent = label;
    const x = document.createElement("span");
    x.className = "chip-x";
    x.setAttribute("aria-hidden", "true");
    x.textContent = "×";
    btn.append(text, x);
    btn.addEventListener("click", () => commit(withChanges(changes)));
    li.append(btn);
    chips.push(li);
  };
  for (const f of FACETS) {
    for (const v of state.filters[f]) {
      chip(`${FACET_LABELS[f]}: ${v}`, { filters: { ...state.filters, [f]: state.filters[f].filter((x) => x !== v) } });
    }
  }
  if (state.date_from) chip(`From ${formatDate(state.date_from)}`, { date_from: "" });
  if (state.date_to) chip(`To ${formatDate(state.date_to)}`, { date_to: "" });
  ui.chips.replaceChildren(...chips);
  ui.chips.hidden = chips.length === 0;
}

// ---------------------------------------------------------------------------------------------
// Paging

function pageNumbers(current, last) {
  const wanted = new Set([1, last, current - 1, current, current + 1]);
  if (current <= 3) [2, 3, 4].forEach((n) => wanted.add(n));
  if (current >= last - 2) [last - 1, last - 2, last - 3].forEach((n) => wanted.add(n));
  const nums = [...wanted].filter((n) => n >= 1 && n <= last).sort((a, b) => a - b);
  const out = [];
  nums.forEach((n, i) => {
    if (i && n - nums[i - 1] > 1) out.push(null); // gap
    out.push(n);
  });
  return out;
}

function pageLink(n, text, label) {
  const a = document.createElement("a");
  a.href = urlFor(withChanges({ page: n }));
  a.dataset.page = String(n);
  a.className = "page";
  a.textContent = text;
  if (label) a.setAttribute("aria-label", label);
  return a;
}

function renderPager(total, page, perPage) {
  const last = Math.min(Math.ceil(total / perPage), Math.floor(10_000 / perPage));
  ui.pager.replaceChildren();
  if (last <= 1) {
    ui.pager.hidden = true;
    return;
  }
  const ul = document.createElement("ul");
  const item = (node) => {
    const li = document.createElement("li");
    li.append(node);
    ul.append(li);
  };
  const disabled = (text) => {
    const span = document.createElement("span");
    span.className = "page disabled";
    span.setAttribute("aria-disabled", "true");
    span.textContent = text;
    return span;
  };
  item(page > 1 ? pageLink(page - 1, "‹ Previous", "Previous page") : disabled("‹ Previous"));
  for (const n of pageNumbers(page, last)) {
    if (n === null) {
      const gap = document.createElement("span");
      gap.className = "page gap";
      gap.textContent = "…";
      item(gap);
      continue;
    }
    const a = pageLink(n, String(n), `Page ${n}`);
    if (n === page) a.setAttribute("aria-current", "page");
    item(a);
  }
  item(page < last ? pageLink(page + 1, "Next ›", "Next page") : disabled("Next ›"));
  ui.pager.append(ul);
  ui.pager.hidden = false;
}

function isModified(e) {
  return e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey;
}

for (const area of [ui.pager, ui.empty]) {
  area.addEventListener("click", (e) => {
    const a = e.target.closest("a[data-page]");
    if (!a || isModified(e)) return;
    e.preventDefault();
    commit(withChanges({ page: Number(a.dataset.page) }));
    ui.results.focus({ preventScroll: true });
    ui.results.scrollIntoView({ block: "start" });
  });
}

// ---------------------------------------------------------------------------------------------
// Search box: search-as-you-type, autocomplete combobox, "/" shortcut

let typeTimer = 0;

ui.q.addEventListener("input", () => {
  clearTimeout(typeTimer);
  typeTimer = setTimeout(() => {
    const q = ui.q.value.trim();
    if (q === state.q) return;
    const mode = typingEntry ? "replace" : "push";
    commit(withChanges({ q }), mode);
    typingEntry = true;
  }, TYPE_DELAY);
  scheduleSuggestions();
});

ui.form.addEventListener("submit", (e) => {
  e.preventDefault();
  clearTimeout(typeTimer);
  clearTimeout(suggest.timer);
  closeSuggestions();
  commit(withChanges({ q: ui.q.value.trim() }));
});

document.addEventListener("keydown", (e) => {
  if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
  const t = e.target;
  const typing = t instanceof HTMLElement && (t.isContentEditable || /^(TEXTAREA|SELECT)$/.test(t.tagName)
    || (t.tagName === "INPUT" && !/^(checkbox|radio|button|submit|reset)$/.test(t.type)));
  if (typing) return; // a slash typed into a field stays a slash
  e.preventDefault();
  ui.q.focus();
  ui.q.select();
});

const suggest = { items: [], active: -1, timer: 0, ctrl: null };

/** The word being typed: the last whitespace-separated token, without query syntax around it. */
function currentToken() {
  const v = ui.q.value;
  if (!v || /\s$/.test(v)) return null;
  const raw = v.split(/\s+/).pop();
  const word = raw.replace(/^[+\-"(]+/, "").replace(/[*")]+$/, "");
  if (word.length < 2 || word.includes(":")) return null;
  return { raw, word };
}

function scheduleSuggestions() {
  clearTimeout(suggest.timer);
  const token = currentToken();
  if (!token) {
    closeSuggestions();
    return;
  }
  suggest.timer = setTimeout(() => fetchSuggestions(token.word), SUGGEST_DELAY);
}

async function fetchSuggestions(prefix) {
  suggest.ctrl?.abort();
  const ctrl = new AbortController();
  suggest.ctrl = ctrl;
  try {
    const body = await getJSON(`/suggest?${new URLSearchParams({ q: prefix })}`, ctrl.signal);
    if (ctrl !== suggest.ctrl || document.activeElement !== ui.q) return;
    const list = Array.isArray(body) ? body : body.suggestions ?? [];
    const items = list
      .map((s) => (typeof s === "string" ? { value: s, type: "term" } : s))
      .filter((s) => s && s.value != null && String(s.value) !== "")
      .slice(0, SUGGEST_MAX);
    showSuggestions(items);
  } catch {
    // Autocomplete is a nicety: a failed lookup just shows nothing.
    if (ctrl === suggest.ctrl) closeSuggestions();
  }
}

function showSuggestions(items) {
  suggest.items = items;
  suggest.active = -1;
  ui.listbox.replaceChildren(
    ...items.map((s, i) => {
      const li = document.createElement("li");
      li.id = `suggestion-${i}`;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.className = `suggestion suggestion-${s.type === "speaker" ? "speaker" : "term"}`;
      const value = document.createElement("span");
      value.className = "suggestion-value";
      value.textContent = s.value;
      li.append(value);
      if (s.type === "speaker") {
        const kind = document.createElement("span");
        kind.className = "suggestion-type";
        kind.textContent = "filter by speaker";
        li.append(kind);
      }
      if (s.count != null) {
        const count = document.createElement("span");
        count.className = "count";
        count.textContent = nf.format(Number(s.count) || 0);
        li.append(count);
      }
      return li;
    }),
  );
  const open = items.length > 0;
  ui.listbox.hidden = !open;
  ui.q.setAttribute("aria-expanded", String(open));
  ui.q.removeAttribute("aria-activedescendant");
}

function closeSuggestions() {
  suggest.ctrl?.abort();
  suggest.ctrl = null;
  suggest.items = [];
  suggest.active = -1;
  ui.listbox.hidden = true;
  ui.listbox.replaceChildren();
  ui.q.setAttribute("aria-expanded", "false");
  ui.q.removeAttribute("aria-activedescendant");
}

function setActive(i) {
  const options = ui.listbox.querySelectorAll("[role=option]");
  suggest.active = i;
  options.forEach((o, j) => o.setAttribute("aria-selected", String(j === i)));
  if (i >= 0) {
    ui.q.setAttribute("aria-activedescendant", options[i].id);
    options[i].scrollIntoView({ block: "nearest" });
  } else ui.q.removeAttribute("aria-activedescendant");
}

function chooseSuggestion(i) {
  const s = suggest.items[i];
  if (!s) return;
  clearTimeout(typeTimer);
  const token = currentToken();
  const words = ui.q.value.split(/\s+/).filter(Boolean);
  closeSuggestions();
  if (s.type === "speaker") {
    // A speaker name becomes a speaker filter; the half-typed word leaves the query.
    if (token) words.pop();
    const q = words.join(" ");
    ui.q.value = q;
    const speakers = state.filters.speaker.includes(s.value) ? state.filters.speaker : [...state.filters.speaker, s.value];
    commit(withChanges({ q, filters: { ...state.filters, speaker: speakers } }));
  } else {
    if (token) words[words.length - 1] = token.raw.replace(token.word, s.value).replace(/\*$/, "");
    else words.push(s.value);
    const q = words.join(" ");
    ui.q.value = `${q} `;
    commit(withChanges({ q }));
  }
  ui.q.focus();
}

ui.q.addEventListener("keydown", (e) => {
  const open = !ui.listbox.hidden && suggest.items.length > 0;
  const n = suggest.items.length;
  switch (e.key) {
    case "ArrowDown":
      if (!open) {
        if (currentToken()) scheduleSuggestions();
        return;
      }
      e.preventDefault();
      setActive(suggest.active + 1 >= n ? 0 : suggest.active + 1);
      break;
    case "ArrowUp":
      if (!open) return;
      e.preventDefault();
      setActive(suggest.active <= 0 ? n - 1 : suggest.active - 1);
      break;
    case "Enter":
      if (open && suggest.active >= 0) {
        e.preventDefault();
        chooseSuggestion(suggest.active);
      }
      break;
    case "Escape":
      if (open) {
        e.preventDefault();
        closeSuggestions();
      }
      break;
    case "Tab":
      closeSuggestions();
      break;
    default:
  }
});

ui.q.addEventListener("blur", () => setTimeout(() => {
  if (document.activeElement !== ui.q) closeSuggestions();
}, 0));
ui.listbox.addEventListener("mousedown", (e) => e.preventDefault()); // keep focus in the box
ui.listbox.addEventListener("click", (e) => {
  const option = e.target.closest("[role=option]");
  if (option) chooseSuggestion([...ui.listbox.children].indexOf(option));
});
ui.listbox.addEventListener("mousemove", (e) => {
  const option = e.target.closest("[role=option]");
  const i = option ? [...ui.listbox.children].indexOf(option) : -1;
  if (i >= 0 && i !== suggest.active) setActive(i);
});

// ---------------------------------------------------------------------------------------------
// Start

if (NARROW.matches) ui.filters.open = false; // on a phone the filters start folded above the results
syncControls({ query: true });
runSearch();

// Speakers page: /speakers lists who is quoted most; /speakers/NAME is one person's record and
// quotes. Everything comes from the JSON API of the same URLs; text is inserted with textContent,
// snippets are rebuilt from text and <mark> only.

import { setSnippet } from "./snippet.js";

const $ = (id) => document.getElementById(id);
const nf = new Intl.NumberFormat("en");
const df = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
const params = new URLSearchParams(location.search);
const name = location.pathname.startsWith("/speakers/")
  ? decodeURIComponent(location.pathname.slice("/speakers/".length))
  : null;

function formatDate(iso) {
  if (!iso) return "";
  const [y, m, d] = String(iso).slice(0, 10).split("-").map(Number);
  return df.format(new Date(Date.UTC(y, m - 1, d)));
}

function plural(n, one, many = `${one}s`) {
  return `${nf.format(n)} ${n === 1 ? one : many}`;
}

async function getJSON(url) {
  const res = await fetch(url, { headers: { Accept: "application/json" } });
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new Error(body?.error?.message ?? `The service answered HTTP ${res.status}.`);
  return body;
}

function showError(err) {
  $("error").textContent = err.message;
  $("error").hidden = false;
}

function summary(record) {
  const roles = (record.roles ?? []).map((r) => `${r.value} (${nf.format(r.count)})`).join(", ");
  const span = record.first_date
    ? record.first_date === record.last_date ? formatDate(record.first_date) : `${formatDate(record.first_date)} – ${formatDate(record.last_date)}`
    : "undated";
  return `${plural(record.chunks, "passage")} in ${plural(record.documents, "document")} · ${roles || "no role"} · ${span}`;
}

// --- the list -------------------------------------------------------------------------------

async function showList() {
  $("list-view").hidden = false;
  $("all-speakers").parentElement.hidden = true;
  const q = params.get("q") ?? "";
  const role = params.get("role") ?? "";
  const page = Math.max(1, Number.parseInt(params.get("page") ?? "1", 10) || 1);
  $("name-q").value = q;
  $("role").value = role;
  const query = new URLSearchParams({ page: String(page) });
  if (q) query.set("q", q);
  if (role) query.set("role", role);
  const body = await getJSON(`/speakers?${query}`);
  $("list-status").textContent = `${plural(body.total, "speaker")}${q ? ` matching “${q}”` : ""}`;
  $("speakers").replaceChildren(...body.speakers.map((record) => {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.className = "speaker-name";
    a.href = record.url;
    a.textContent = record.name;
    const p = document.createElement("p");
    p.className = "muted";
    p.textContent = summary(record);
    li.append(a, p);
    if (record.events?.length) {
      const ev = document.createElement("p");
      ev.className = "muted";
      ev.textContent = `Events: ${record.events.map((e) => e.value).join("; ")}`;
      li.append(ev);
    }
    return li;
  }));
  const last = Math.ceil(body.total / body.per_page);
  const pager = $("list-pager");
  pager.replaceChildren();
  pager.hidden = last <= 1;
  for (const [n, label] of [[page - 1, "‹ Previous"], [page + 1, "Next ›"]]) {
    if (n < 1 || n > last) continue;
    const a = document.createElement("a");
    a.className = "page";
    query.set("page", String(n));
    a.href = `/speakers?${query}`;
    a.textContent = label;
    pager.append(a, " ");
  }
}

// --- one speaker ----------------------------------------------------------------------------

function quoteItem(hit) {
  const li = document.createElement("li");
  li.className = "hit";
  li.dataset.id = hit.id ?? "";
  const article = document.createElement("article");
  const h2 = document.createElement("h2");
  h2.className = "hit-title";
  const a = document.createElement("a");
  a.className = "permalink";
  const url = new URL(hit.citation?.url ?? "/", location.origin);
  const q = params.get("q");
  if (q) url.searchParams.set("q", q);
  a.href = url.pathname + url.search + url.hash;
  a.textContent = `${hit.document?.title || hit.document?.id || "Untitled"}, ¶ ${hit.paragraph}`;
  h2.append(a);
  const meta = document.createElement("p");
  meta.className = "hit-meta";
  const time = document.createElement("time");
  time.className = "hit-date";
  if (hit.document?.date) time.dateTime = hit.document.date;
  time.textContent = formatDate(hit.document?.date);
  meta.append([hit.role, hit.document?.source].filter(Boolean).join(" · "), " ", time);
  const quote = document.createElement("blockquote");
  quote.className = "snippet";
  setSnippet(quote, hit.snippet ?? hit.text);
  article.append(h2, meta, quote);
  li.append(article);
  return li;
}

async function showSpeaker() {
  $("speaker-view").hidden = false;
  const q = params.get("q") ?? "";
  const sort = params.get("sort") ?? "";
  $("quotes-q").value = q;
  $("quotes-sort").value = sort;
  $("quotes-form").action = location.pathname;
  const query = new URLSearchParams();
  if (q) query.set("q", q);
  if (sort) query.set("sort", sort);
  const body = await getJSON(`${location.pathname}?${query}`);
  const record = body.speaker;
  document.title = `${record.name} – Newsroom search`;
  $("heading").textContent = record.name;
  const dl = $("record");
  const rows = [
    ["Passages", nf.format(record.chunks)],
    ["Documents", nf.format(record.documents)],
    ["Roles", (record.roles ?? []).map((r) => `${r.value} (${nf.format(r.count)})`).join(", ") || "—"],
    ["First", formatDate(record.first_date) || "—"],
    ["Last", formatDate(record.last_date) || "—"],
    ["Events", (record.events ?? []).map((e) => e.value).join("; ") || "—"],
  ];
  dl.replaceChildren(...rows.flatMap(([k, v]) => {
    const dt = document.createElement("dt");
    dt.textContent = k;
    const dd = document.createElement("dd");
    dd.textContent = v;
    return [dt, dd];
  }));
  const order = body.sort === "relevance" ? "most relevant first" : body.sort === "date" ? "oldest first" : "newest first";
  $("quotes-status").textContent = `${plural(body.total, "quote")}${q ? ` about “${q}”` : ""}, ${order}`;
  $("quotes").replaceChildren(...body.hits.map(quoteItem));
}

(name === null ? showList() : showSpeaker())
  .catch(showError)
  .finally(() => document.body.setAttribute("data-ready", "1"));

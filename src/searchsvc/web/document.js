// Document view: enhances the page the server rendered from document.html.
//
// Adds what only the browser knows: which paragraph the link pointed at (#pN), which words the
// reader searched for (?q=), and where "back" should go. Text is only ever split into text nodes
// and <mark> elements; nothing is parsed as HTML.

const params = new URLSearchParams(location.search);
const query = (params.get("q") ?? "").trim();
const paragraphs = [...document.querySelectorAll("#paragraphs > .para")];

const STOPWORDS = new Set(
  ("a an and are as at be but by for from has have he her his i in is it its me my no not of on or our " +
   "she so that the their them they this to was we were what when which who will with you your")
    .split(" "),
);

function isModified(e) {
  return e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey;
}

// --- where the reader came from --------------------------------------------------------------

function setUpBackLink() {
  const back = document.getElementById("back");
  const box = document.getElementById("q");
  if (box && query) box.value = query;
  let ref = null;
  try {
    ref = document.referrer ? new URL(document.referrer) : null;
  } catch {
    ref = null;
  }
  if (ref && ref.origin === location.origin && ref.pathname === "/") {
    back.href = ref.pathname + ref.search;
    back.addEventListener("click", (e) => {
      if (isModified(e) || history.length < 2) return;
      e.preventDefault();
      history.back(); // restores the results page exactly, scroll position included
    });
  } else {
    back.href = query ? `/?${new URLSearchParams({ q: query })}` : "/";
    back.lastChild.textContent = query ? " Search results" : " Search";
  }
}

// --- speaker turns ---------------------------------------------------------------------------

function setUpTurns() {
  const seen = new Map();
  let previous = null;
  for (const p of paragraphs) {
    const speaker = p.dataset.speaker ?? "";
    if (!speaker) p.classList.add("no-speaker");
    else if (speaker === previous) p.classList.add("continues");
    if (speaker && !seen.has(speaker)) seen.set(speaker, p.dataset.role ?? "");
    previous = speaker;
  }
  const meta = document.getElementById("doc-meta");
  if (!seen.size || !meta) return;
  const dt = document.createElement("dt");
  dt.textContent = seen.size === 1 ? "Speaker" : "Speakers";
  const dd = document.createElement("dd");
  const list = document.createElement("ul");
  list.className = "speaker-list";
  for (const [name, role] of seen) {
    const li = document.createElement("li");
    const badge = document.createElement("a"); // to what else they said
    badge.className = "badge badge-speaker";
    badge.href = `/speakers/${encodeURIComponent(name)}`;
    badge.textContent = role ? `${name} · ${role}` : name;
    li.append(badge);
    list.append(li);
  }
  dd.append(list);
  meta.append(dt, dd);
}

// --- the cited paragraph ---------------------------------------------------------------------

function markTarget({ scroll = true } = {}) {
  for (const p of document.querySelectorAll(".para.target")) {
    p.classList.remove("target");
    p.removeAttribute("aria-current");
  }
  let id = "";
  try {
    id = decodeURIComponent(location.hash.slice(1));
  } catch {
    return;
  }
  const p = id ? document.getElementById(id) : null;
  if (!p || !p.classList.contains("para")) return;
  p.classList.add("target");
  p.setAttribute("aria-current", "location");
  p.tabIndex = -1;
  if (scroll) {
    p.scrollIntoView({ block: "center" });
    p.focus({ preventScroll: true });
  }
  showRelated(p);
}

// --- related passages under the opened paragraph ---------------------------------------------

let relatedCtrl = null;

/** Passages of other documents like the cited paragraph, listed under it. */
async function showRelated(p) {
  relatedCtrl?.abort();
  document.getElementById("related")?.remove();
  const docId = document.getElementById("doc")?.dataset.id;
  const number = p.id.slice(1);
  if (!docId || !/^\d+$/.test(number)) return;
  const ctrl = new AbortController();
  relatedCtrl = ctrl;
  const section = document.createElement("aside");
  section.id = "related";
  section.className = "related";
  section.setAttribute("aria-labelledby", "related-title");
  const title = document.createElement("h2");
  title.id = "related-title";
  title.className = "related-title";
  title.textContent = "Related passages in other documents";
  const list = document.createElement("ol");
  list.className = "related-hits";
  section.append(title, list);
  try {
    const url = `/documents/${encodeURIComponent(docId)}/related?${new URLSearchParams({ p: number, limit: 5 })}`;
    const res = await fetch(url, { headers: { Accept: "application/json" }, signal: ctrl.signal });
    if (!res.ok) return;
    const body = await res.json();
    if (ctrl !== relatedCtrl || !body.hits?.length) return;
    for (const hit of body.hits) {
      const li = document.createElement("li");
      li.dataset.id = hit.id ?? "";
      const a = document.createElement("a");
      a.href = hit.citation?.url ?? "#";
      a.textContent = `${hit.document?.title || hit.document?.id || "Untitled"}, ¶ ${hit.paragraph}`;
      const meta = document.createElement("div");
      meta.className = "related-meta";
      meta.textContent = [hit.speaker, hit.document?.source, hit.document?.date].filter(Boolean).join(" · ");
      const quote = document.createElement("blockquote");
      quote.textContent = hit.text ?? "";
      li.append(a, meta, quote);
      list.append(li);
    }
    p.append(section);
  } catch {
    // Related passages are a nicety: the document reads the same without them.
  }
}

function setUpParagraphLinks() {
  // A click on a paragraph number re-targets without piling up history entries, so "Back to
  // results" (history.back) still leads back to the search page.
  document.getElementById("paragraphs")?.addEventListener("click", (e) => {
    const a = e.target.closest("a.para-num");
    if (!a || isModified(e)) return;
    e.preventDefault();
    history.replaceState(history.state, "", a.hash);
    markTarget({ scroll: false });
  });
  window.addEventListener("hashchange", () => markTarget());
}

// --- query terms -----------------------------------------------------------------------------

function escapeRegExp(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Words of the query worth marking: no operators, field names, excluded or stop words. */
export function queryPattern(q) {
  const cleaned = q
    .replace(/(^|\s)-\S+/g, " ")
    .replace(/\bNOT\s+\S+/g, " ")
    .replace(/\b[a-z_]+:/gi, " ");
  const words = cleaned.match(/[\p{L}\p{N}]+(?:['’][\p{L}]+)*\*?/gu) ?? [];
  const parts = new Set();
  for (const word of words) {
    if (/^(AND|OR|NOT)$/.test(word)) continue;
    const lower = word.toLowerCase();
    const bare = lower.replace(/\*$/, "");
    if (bare.length < 2 || STOPWORDS.has(bare)) continue;
    if (lower.endsWith("*") || bare.length >= 4) {
      // Prefix match stands in for the server's stemming: genome → genomes, genomic.
      const stem = bare.length >= 5 ? bare.replace(/(ing|ed|es|s|ly)$/u, "") : bare;
      parts.add(`${escapeRegExp(stem)}[\\p{L}\\p{N}]*`);
    } else {
      parts.add(escapeRegExp(bare));
    }
  }
  if (!parts.size) return null;
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${[...parts].join("|")})(?![\\p{L}\\p{N}])`, "giu");
}

function highlight(root, pattern) {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes = [];
  while (walker.nextNode()) nodes.push(walker.currentNode);
  let count = 0;
  for (const node of nodes) {
    const text = node.data;
    pattern.lastIndex = 0;
    let match;
    let last = 0;
    const pieces = [];
    while ((match = pattern.exec(text)) !== null) {
      if (match[0] === "") {
        pattern.lastIndex += 1;
        continue;
      }
      if (match.index > last) pieces.push(document.createTextNode(text.slice(last, match.index)));
      const mark = document.createElement("mark");
      mark.className = "term";
      mark.textContent = match[0];
      pieces.push(mark);
      last = match.index + match[0].length;
      count += 1;
    }
    if (!pieces.length) continue;
    if (last < text.length) pieces.push(document.createTextNode(text.slice(last)));
    node.replaceWith(...pieces);
  }
  return count;
}

function setUpQuery() {
  if (!query) return;
  const pattern = queryPattern(query);
  const bar = document.getElementById("query-bar");
  let total = 0;
  if (pattern) for (const p of paragraphs) total += highlight(p.querySelector(".para-text") ?? p, pattern);
  if (!bar) return;

  const label = document.createElement("span");
  label.textContent = total
    ? `“${query}”: ${total} ${total === 1 ? "match" : "matches"} highlighted.`
    : `“${query}” does not occur word for word in this document.`;
  bar.append(label);
  if (total) {
    const next = document.createElement("button");
    next.type = "button";
    next.className = "btn btn-small";
    next.textContent = "Next match";
    let at = -1;
    next.addEventListener("click", () => {
      const marks = [...document.querySelectorAll("mark.term")];
      if (!marks.length) return;
      marks[at]?.classList.remove("current");
      at = (at + 1) % marks.length;
      marks[at].classList.add("current");
      marks[at].scrollIntoView({ block: "center" });
    });
    bar.append(next);
  }
  const clear = document.createElement("a");
  clear.href = location.pathname + location.hash;
  clear.textContent = "Clear highlighting";
  bar.append(clear);
  bar.hidden = false;
}

setUpBackLink();
setUpTurns();
setUpQuery();
setUpParagraphLinks();
markTarget();
document.getElementById("doc")?.removeAttribute("aria-busy");

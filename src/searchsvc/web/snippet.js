// Snippets arrive as HTML from the API (escaped text and <mark>). Every page rebuilds them from
// text nodes and <mark> elements only, so nothing else a document might smuggle in reaches a page.

/** Rebuild the server's snippet from text and <mark> only: nothing else can reach the page. */
export function setSnippet(target, html) {
  const inert = document.createElement("template"); // template content never runs or loads anything
  inert.innerHTML = String(html ?? "");
  const copy = (from, to) => {
    for (const node of from.childNodes) {
      if (node.nodeType === Node.TEXT_NODE) to.append(node.data);
      else if (node.nodeName === "MARK") {
        const mark = document.createElement("mark");
        copy(node, mark);
        to.append(mark);
      } else if (node.nodeType === Node.ELEMENT_NODE) copy(node, to);
    }
  };
  target.replaceChildren();
  copy(inert.content, target);
}

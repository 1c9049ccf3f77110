// The session inspector's server half: fetches this session's document (as
// MongoDB stores it) and shows it as formatted JSON, the lines of the fields
// the page talks about (data-highlight) marked.
function render(pre, doc) {
  const highlighted = new Set((pre.dataset.highlight ?? '').split(' '));
  const lines = JSON.stringify(doc, null, 2).split('\n');
  pre.replaceChildren();
  lines.forEach((line, i) => {
    if (i > 0) pre.append('\n');
    // a line such as `    "loginAt": 1795445860133,`: its indent, key and value
    const field = /^(\s*)"([^"]+)":(.*)$/.exec(line);
    if (field && highlighted.has(field[2])) {
      const [, indent, key, value] = field;
      const mark = document.createElement('mark');
      mark.textContent = `"${key}":${value}`;
      pre.append(indent, mark);
    } else {
      pre.append(line);
    }
  });
}

for (const pre of document.querySelectorAll('pre[data-src]')) {
  fetch(pre.dataset.src, { headers: { accept: 'application/json' } })
    .then((res) => (res.ok ? res.json() : Promise.reject(new Error(`HTTP ${res.status}`))))
    .then((doc) => render(pre, doc))
    .catch((err) => {
      pre.textContent = `Could not load the session document (${err.message}). Reload the page to try again.`;
    });
}

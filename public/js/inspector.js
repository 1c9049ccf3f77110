// The session inspector's server half: fetches this session's document (as
// MongoDB stores it) and shows it as formatted JSON.
for (const pre of document.querySelectorAll('pre[data-src]')) {
  fetch(pre.dataset.src, { headers: { accept: 'application/json' } })
    .then((res) => (res.ok ? res.json() : Promise.reject(new Error(`HTTP ${res.status}`))))
    .then((doc) => {
      pre.textContent = JSON.stringify(doc, null, 2);
    })
    .catch((err) => {
      pre.textContent = `Could not load the session document (${err.message}). Reload the page to try again.`;
    });
}

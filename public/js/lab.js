// The lab's buttons: requests sent from the browser, then the counts shown.

async function json(url) {
  const res = await fetch(url, { headers: { accept: 'application/json' }, cache: 'no-store' });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return res.json();
}

function setText(testId, text) {
  const el = document.querySelector(`[data-testid="${testId}"]`);
  if (el) el.textContent = String(text);
}

// lost updates: many POSTs at once on the same session
for (const button of document.querySelectorAll('[data-lab-burst]')) {
  button.addEventListener('click', async () => {
    const count = Number(button.dataset.count);
    const body = new URLSearchParams({ _csrf: button.dataset.csrf });
    button.disabled = true;
    setText('lost-updates-status', `Sending ${count} requests…`);
    try {
      const before = await json(button.dataset.counts);
      const sent = Array.from({ length: count }, () => fetch(button.dataset.labBurst, { method: 'POST', body }));
      const failed = (await Promise.all(sent)).filter((res) => !res.ok).length;
      const after = await json(button.dataset.counts);
      setText('session-hits', after.session);
      setText('database-hits', after.database);
      const lost = count - (after.session - before.session);
      setText(
        'lost-updates-status',
        `${count} requests sent${failed ? ` (${failed} failed)` : ''}: the session counter lost ${lost} of them, the database counter lost ${count - (after.database - before.database)}.`,
      );
    } catch (err) {
      setText('lost-updates-status', `Something went wrong: ${err.message}`);
    } finally {
      button.disabled = false;
    }
  });
}

// saveUninitialized: anonymous visits (no cookies at all), then a count
for (const button of document.querySelectorAll('[data-lab-visits]')) {
  button.addEventListener('click', async () => {
    const count = Number(button.dataset.count);
    button.disabled = true;
    try {
      const before = (await json(button.dataset.counts)).stored;
      for (let i = 0; i < count; i += 1) {
        const res = await fetch(button.dataset.labVisits, { credentials: 'omit', cache: 'no-store' });
        // the whole body: express-session holds back its last byte until the
        // session is saved (fetch itself resolves with the headers)
        await res.text();
      }
      const after = (await json(button.dataset.counts)).stored;
      setText('stored-count', after);
      setText('uninitialized-status', `${count} anonymous visits stored ${after - before} new session${after - before === 1 ? '' : 's'}.`);
    } catch (err) {
      setText('uninitialized-status', `Something went wrong: ${err.message}`);
    } finally {
      button.disabled = false;
    }
  });
}

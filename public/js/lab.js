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

// the resurrection race: log in, start a slow request, log out while it runs
for (const button of document.querySelectorAll('[data-lab-resurrection]')) {
  button.addEventListener('click', async () => {
    const base = button.dataset.labResurrection;
    const slowMs = Number(button.dataset.slowMs);
    const steps = document.querySelector('[data-testid="resurrection-steps"]');
    const step = (text) => {
      const li = document.createElement('li');
      li.textContent = text;
      steps.append(li);
    };
    const post = async (path, csrf) => {
      const res = await fetch(`${base}${path}`, { method: 'POST', body: new URLSearchParams({ _csrf: csrf }) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return res.json();
    };
    button.disabled = true;
    steps.replaceChildren();
    setText('resurrection-result', '');
    try {
      const { csrfToken } = await post('/login', button.dataset.csrf);
      step('Logged in: a new session, saved in MongoDB.');
      const slow = json(`${base}/slow`);
      step(`Started a request that reads the session now and saves it in ${slowMs / 1000} s.`);
      await new Promise((resolve) => setTimeout(resolve, slowMs / 4));
      await post('/logout', csrfToken);
      step('Logged out: the session document is deleted, the cookie dropped.');
      const { saved } = await slow;
      step(saved ? 'The slow request finished and saved its session.' : 'The slow request finished; its save found the session gone.');
      const { loggedIn } = await json(`${base}/status`);
      step(loggedIn ? 'Asked again: this browser is logged in.' : 'Asked again: this browser is logged out.');
      setText(
        'resurrection-result',
        loggedIn
          ? 'The session came back: the slow save re-created the deleted document, and its response handed the cookie back.'
          : 'The session stayed gone: a session that was read is only ever updated, never re-created.',
      );
      // the button's token belonged to the session that just ended
      button.dataset.csrf = (await json(`${base}/token`)).csrfToken;
    } catch (err) {
      setText('resurrection-result', `Something went wrong: ${err.message}`);
    } finally {
      button.disabled = false;
    }
  });
}

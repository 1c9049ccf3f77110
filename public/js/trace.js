// The lab's trace page: asks /lab/trace.json for this browser's last requests
// every moment, draws them as a sequence diagram (an SVG of our own: lanes for
// the browser, Express, express-session, the session store and MongoDB, time
// running down), and lists each with its steps under the drawing. Selecting a
// request in the drawing opens its entry in the list.

const SVG = 'http://www.w3.org/2000/svg';
const LANES = ['browser', 'Express', 'express-session', 'store', 'MongoDB'];
const WIDTH = 360;
const LANE_X = [22, 96, 170, 250, 330];
const [BROWSER, EXPRESS, SESSION, STORE, MONGODB] = LANE_X;
const HEAD = 26;
const ROW = 17;
// the drawing shows the latest few; the list has them all
const DRAWN = 8;

const diagram = document.querySelector('[data-testid="trace-diagram"]');
const list = document.querySelector('[data-testid="trace-requests"]');
const status = document.querySelector('[data-testid="trace-status"]');

function el(name, attrs = {}, text) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

function html(name, attrs = {}, text) {
  const node = document.createElement(name);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

const ms = (value) => (value === undefined ? '…' : `${value} ms`);
const shape = (value) => JSON.stringify(value);

function requestLine(request) {
  const answer = request.status === undefined ? 'running' : String(request.status);
  return `${request.method} ${request.path} → ${answer} · ${ms(request.durationMs)}`;
}

/** What one step says, in words: the list's line and the drawing's label. */
function describe(event) {
  switch (event.kind) {
    case 'store':
      return {
        label: `${event.op} ${event.storedId}`,
        text: `${event.store} session store: ${event.op} ${event.storedId} (${event.outcome ?? 'running'}, ${ms(event.ms)})`,
      };
    case 'command': {
      const where = `${event.upsert ? ' (upsert)' : ''}${event.collection ? ` ${event.collection}` : ''}`;
      const filter = event.filter === undefined ? '' : ` filter ${shape(event.filter)}`;
      const update = event.update === undefined ? '' : ` update ${shape(event.update)}`;
      return {
        label: `${event.name}${where}`,
        text: `MongoDB: ${event.name}${where}${filter}${update} (${event.outcome ?? 'running'}, ${ms(event.ms)})`,
      };
    }
    case 'response': {
      const cookies = event.setCookie.length > 0 ? ` + Set-Cookie ${event.setCookie.join(', ')}` : '';
      return { label: `${event.status}${event.setCookie.length > 0 ? ' + cookie' : ''}`, text: `response sent: status ${event.status}${cookies} (headers)` };
    }
    case 'finish':
      return { label: 'finished', text: 'response finished (the last byte sent)' };
    default:
      return { label: 'closed early', text: 'connection closed before the response finished' };
  }
}

/** The lane a MongoDB command comes from: the store's while a store call runs, Express's otherwise. */
function commandSource(event, events) {
  const inStoreCall = events.some(
    (other) => other.kind === 'store' && other.at <= event.at && (other.ms === undefined || event.at <= other.at + other.ms),
  );
  return inStoreCall ? STORE : EXPRESS;
}

function arrow(group, y, from, to, label, className) {
  const dir = to > from ? 1 : -1;
  group.append(el('line', { x1: from, y1: y, x2: to - dir * 3, y2: y, class: `trace-arrow ${className}` }));
  group.append(el('path', { d: `M${to} ${y} l${-dir * 5} -3 v6 z`, class: `trace-head ${className}` }));
  group.append(el('text', { x: Math.min(from, to) + 4, y: y - 3, class: 'trace-label' }, label));
}

function drawRequest(svg, request, top, shaded) {
  const events = request.events;
  const height = (events.length + 1) * ROW + 6;
  const group = el('g', { class: 'trace-request', 'data-id': request.id });
  group.append(el('rect', { x: 0, y: top, width: WIDTH, height, class: shaded ? 'trace-band trace-band-shaded' : 'trace-band' }));
  let y = top + ROW;
  arrow(group, y, BROWSER, EXPRESS, `${request.method} ${request.path}`, 'trace-call');
  for (const event of events) {
    y += ROW;
    const { label } = describe(event);
    if (event.kind === 'store') arrow(group, y, SESSION, STORE, label, 'trace-call');
    else if (event.kind === 'command') arrow(group, y, commandSource(event, events), MONGODB, label, event.outcome === 'failed' ? 'trace-failed' : 'trace-call');
    else if (event.kind === 'response') arrow(group, y, EXPRESS, BROWSER, label, 'trace-reply');
    else {
      group.append(el('circle', { cx: BROWSER, cy: y - 3, r: 3, class: 'trace-mark' }));
      group.append(el('text', { x: BROWSER + 6, y: y, class: 'trace-label' }, `${label} · ${ms(request.durationMs)}`));
    }
  }
  group.addEventListener('click', () => openDetails(request.id));
  svg.append(group);
  return height;
}

function draw(requests) {
  const shown = requests.slice(-DRAWN);
  const rows = shown.reduce((sum, request) => sum + (request.events.length + 1) * ROW + 6, 0);
  const height = HEAD + rows + 6;
  const svg = el('svg', {
    viewBox: `0 0 ${WIDTH} ${height}`,
    role: 'img',
    'aria-label': `Sequence diagram of the last ${shown.length} requests; the list below says the same in words`,
    class: 'trace-svg',
  });
  LANES.forEach((name, i) => {
    svg.append(el('text', { x: LANE_X[i], y: 12, class: 'trace-lane-name', 'text-anchor': i === 0 ? 'start' : i === LANES.length - 1 ? 'end' : 'middle' }, name));
    svg.append(el('line', { x1: LANE_X[i], y1: 18, x2: LANE_X[i], y2: height, class: 'trace-lifeline' }));
  });
  let top = HEAD;
  shown.forEach((request, i) => {
    top += drawRequest(svg, request, top, i % 2 === 1);
  });
  diagram.replaceChildren(svg);
}

function detailsBody(request) {
  const facts = html('dl', { class: 'trace-facts' });
  const fact = (term, value) => facts.append(html('dt', {}, term), html('dd', {}, value));
  fact('Arrived', new Date(request.startedAt).toLocaleTimeString());
  fact('Session cookie', request.sessionId ?? 'none sent');
  fact('Set-Cookie', request.setCookie.length > 0 ? `${request.setCookie.join(', ')} (values never shown)` : 'none');
  const steps = html('ol', { class: 'trace-steps' });
  for (const event of request.events) steps.append(html('li', {}, `${event.at} ms: ${describe(event).text}`));
  if (request.eventsDropped) steps.append(html('li', {}, `and ${request.eventsDropped} more steps, not kept`));
  return [facts, steps];
}

function openDetails(id) {
  const details = document.getElementById(`trace-request-${id}`);
  if (!details) return;
  details.open = true;
  details.scrollIntoView({ block: 'nearest' });
  details.querySelector('summary')?.focus();
}

/** Updates the list in place, newest first: open entries stay open, focus stays put. */
function fillList(requests) {
  const wanted = new Set(requests.map((request) => `trace-request-${request.id}`));
  for (const item of [...list.children]) if (!wanted.has(item.firstElementChild?.id)) item.remove();
  for (const request of requests) {
    const id = `trace-request-${request.id}`;
    let details = document.getElementById(id);
    if (!details) {
      details = html('details', { id, class: 'trace-entry', 'data-testid': 'trace-request' });
      details.append(html('summary'), html('div', { class: 'trace-entry-body' }));
      const item = html('li');
      item.append(details);
      list.prepend(item);
    }
    const summary = details.querySelector('summary');
    const line = requestLine(request);
    if (summary.textContent !== line) summary.textContent = line;
    details.querySelector('.trace-entry-body').replaceChildren(...detailsBody(request));
  }
}

let last = '';

async function poll() {
  try {
    const res = await fetch(diagram.dataset.src, { headers: { accept: 'application/json' }, cache: 'no-store' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const text = await res.text();
    if (text !== last) {
      last = text;
      const { traced, requests } = JSON.parse(text);
      if (!traced) {
        status.textContent = 'This browser is not traced any more (the server restarted?): reload this page.';
      } else if (requests.length === 0) {
        status.textContent = 'No requests yet: use the app in another tab of this browser.';
      } else {
        const newest = requests[requests.length - 1];
        status.textContent = `${requests.length} ${requests.length === 1 ? 'request' : 'requests'} recorded; the latest: ${requestLine(newest)}`;
      }
      draw(requests);
      fillList(requests);
    }
  } catch (err) {
    status.textContent = `Could not load the trace: ${err.message}`;
  }
  setTimeout(poll, Number(diagram.dataset.pollMs) || 1500);
}

if (diagram && list && status) void poll();

import { createHmac } from 'node:crypto';
import { storageId } from '../../src/session/race-safe-store.js';
// client: a tiny browser stand-in over fetch. It keeps cookies like a browser
// (one jar per client) and never follows redirects, so tests see each step.
export interface CookieInfo {
  name: string;
  value: string;
  attributes: Record<string, string | true>;
  raw: string;
}

export function parseSetCookie(raw: string): CookieInfo {
  const [pair = '', ...attrs] = raw.split(';').map((part) => part.trim());
  const eq = pair.indexOf('=');
  const attributes: Record<string, string | true> = {};
  for (const attr of attrs) {
    const i = attr.indexOf('=');
    if (i === -1) attributes[attr.toLowerCase()] = true;
    else attributes[attr.slice(0, i).toLowerCase()] = attr.slice(i + 1);
  }
  return { name: pair.slice(0, eq), value: pair.slice(eq + 1), attributes, raw };
}

export class Client {
  constructor(
    readonly baseUrl: string,
    // sent with every request, e.g. X-Forwarded-Proto as a TLS proxy would
    readonly defaultHeaders: Record<string, string> = {},
    // the browser's cookie jar: shared by the tabs of one browser (tab())
    readonly cookies = new Map<string, string>(),
  ) {}

  /** Another tab of the same browser: its own pages, the same cookies. */
  tab(): Client {
    return new Client(this.baseUrl, this.defaultHeaders, this.cookies);
  }

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers({ ...this.defaultHeaders, ...Object.fromEntries(new Headers(init.headers)) });
    if (this.cookies.size > 0 && !headers.has('cookie')) headers.set('cookie', this.cookieHeader());
    const res = await fetch(new URL(path, this.baseUrl), { ...init, headers, redirect: 'manual' });
    for (const raw of res.headers.getSetCookie()) {
      const cookie = parseSetCookie(raw);
      const expires = cookie.attributes.expires;
      if (cookie.value === '' || (typeof expires === 'string' && Date.parse(expires) <= Date.now())) {
        this.cookies.delete(cookie.name);
      } else {
        this.cookies.set(cookie.name, cookie.value);
      }
    }
    return res;
  }

  get(path: string): Promise<Response> {
    return this.request(path);
  }

  /** The CSRF token of the form on a page (and the session that holds it). */
  async csrfToken(page: string): Promise<string> {
    const res = await this.get(page);
    const match = /name="_csrf" value="([^"]+)"/.exec(await res.text());
    if (!match?.[1]) throw new Error(`no CSRF token on ${page} (status ${res.status})`);
    return match[1];
  }

  /**
   * Posts an HTML form (application/x-www-form-urlencoded), as a browser does.
   * Like a browser, it first loads the page the form is on and sends its CSRF
   * token, unless the form has a `_csrf` of its own or `csrf: false` is given.
   */
  async post(
    path: string,
    form: Record<string, string | string[]> = {},
    options: { csrf?: boolean; formPage?: string } = {},
  ): Promise<Response> {
    if (options.csrf !== false && !('_csrf' in form)) {
      const page = options.formPage ?? (path === '/login' || path === '/register' ? path : '/');
      form = { ...form, _csrf: await this.csrfToken(page) };
    }
    const body = new URLSearchParams();
    for (const [key, value] of Object.entries(form)) {
      for (const v of Array.isArray(value) ? value : [value]) body.append(key, v);
    }
    return this.request(path, { method: 'POST', body });
  }

  async register(username: string, password = 'correct horse battery'): Promise<Response> {
    return this.post('/register', { username, password, confirmPassword: password });
  }

  async login(username: string, password = 'correct horse battery', next?: string): Promise<Response> {
    return this.post('/login', next === undefined ? { username, password } : { username, password, next });
  }

  /** The dashboard's two counters, read from the page. */
  async dashboardCounts(): Promise<{ session: number; lifetime: number }> {
    const res = await this.get('/dashboard');
    if (res.status !== 200) throw new Error(`dashboard answered ${res.status}`);
    const html = await res.text();
    const read = (id: string) => {
      const text = testIdText(html, id);
      if (!/^\d+$/.test(text)) throw new Error(`no ${id} count on the dashboard`);
      return Number(text);
    };
    return { session: read('visit-count'), lifetime: read('lifetime-visits') };
  }
}

/** The text of the element with this data-testid in a page's HTML. */
export function testIdText(html: string, id: string): string {
  const match = new RegExp(`data-testid="${id}"[^>]*>([^<]*)<`).exec(html);
  if (!match) throw new Error(`no ${id} in the page`);
  return match[1]?.trim() ?? '';
}

let lastAddress = 0;
/** An IPv4 address no other test of this file uses, for a client speaking from an address of its own (X-Forwarded-For, trusted from loopback). */
export function freshAddress(): string {
  lastAddress += 1;
  return `198.18.${lastAddress >> 8}.${lastAddress & 255}`;
}

let counter = 0;
/** A username no other test uses. */
export function uniqueUsername(prefix = 'user'): string {
  counter += 1;
  return `${prefix}_${process.pid}_${counter}_${Math.random().toString(36).slice(2, 6)}`;
}

/** A signed session cookie value for any ID, as express-session would make it with `secret`. */
export function signedCookieValue(id: string, secret: string): string {
  const signature = createHmac('sha256', secret).update(id).digest('base64').replace(/=+$/, '');
  return encodeURIComponent(`s:${id}.${signature}`);
}

/** The session ID inside a signed cookie value. */
export function sessionIdFromCookie(value: string | undefined): string {
  const decoded = decodeURIComponent(value ?? '');
  return decoded.slice(2, decoded.lastIndexOf('.'));
}

/** The `_id` of the session document behind a signed cookie value (the SHA-256 of the session ID). */
export function storedIdFromCookie(value: string | undefined): string {
  return storageId(sessionIdFromCookie(value));
}

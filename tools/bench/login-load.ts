// A login storm from a separate process: each virtual user loads the login
// form (for its CSRF token and session) and posts the right password, again
// and again. Prints autocannon's result as JSON.
import autocannon from 'autocannon';

const [url = '', username = '', password = '', seconds = '8', connections = '8'] = process.argv.slice(2);
const headers = { 'x-forwarded-proto': 'https' };

interface Context {
  cookie?: string;
  token?: string;
}

const result = await autocannon({
  url,
  connections: Number(connections),
  duration: Number(seconds),
  headers,
  requests: [
    {
      method: 'GET',
      path: '/login',
      setupRequest: (req: autocannon.Request) => ({ ...req, headers: { ...headers } }),
      onResponse: (_status: number, body: string, context: Context, responseHeaders?: Record<string, string | string[] | undefined>) => {
        // autocannon keeps the header names as the server spelled them
        const name = Object.keys(responseHeaders ?? {}).find((key) => key.toLowerCase() === 'set-cookie');
        const cookie = name ? responseHeaders?.[name] : undefined;
        const first = Array.isArray(cookie) ? cookie[0] : cookie;
        context.cookie = first?.split(';')[0];
        context.token = /name="_csrf" value="([^"]+)"/.exec(body)?.[1];
      },
    },
    {
      method: 'POST',
      path: '/login',
      setupRequest: (req: autocannon.Request, context: Context) => ({
        ...req,
        headers: {
          ...headers,
          'content-type': 'application/x-www-form-urlencoded',
          cookie: context.cookie ?? '',
        },
        body: new URLSearchParams({ username, password, _csrf: context.token ?? '' }).toString(),
      }),
    },
  ],
});
console.log(JSON.stringify({ requests: result.requests, latency: result.latency, statusCodeStats: result.statusCodeStats, duration: result.duration }));

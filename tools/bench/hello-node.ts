// the first ceiling: the fastest a Node HTTP server answers on this machine
import http from 'node:http';

const server = http.createServer((_req, res) => {
  res.end('hello');
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') console.log(`listening on http://127.0.0.1:${address.port} `);
});

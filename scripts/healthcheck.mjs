#!/usr/bin/env node
// Container health check (Dockerfile HEALTHCHECK): healthy when the HTTP server answers at all with a
// status below 500. It asks for /healthz; a server without that route still answers (404, or 403 when
// "http.allowedHosts" leaves out 127.0.0.1), which proves it is up. No connection, a timeout or a
// 5xx is unhealthy. HEALTHCHECK_URL overrides the address (default http://127.0.0.1:3000/healthz).
import { request } from 'node:http';

const url = new URL(process.env.HEALTHCHECK_URL || 'http://127.0.0.1:3000/healthz');
const req = request(url, { method: 'GET', timeout: 4000 }, (res) => {
  res.resume();
  process.exit(res.statusCode !== undefined && res.statusCode < 500 ? 0 : 1);
});
req.on('timeout', () => req.destroy(new Error('timeout')));
req.on('error', (err) => {
  console.error(`unhealthy: ${url.href}: ${err.message}`);
  process.exit(1);
});
req.end();

// Starts a throw-away TenantPilot for the e2e suite: a fresh SQLite database in a temporary
// folder, demo data seeded, then `serve` on 127.0.0.1:$E2E_PORT. Playwright's `webServer`
// runs this script and waits for /readyz; on SIGTERM/SIGINT the server is stopped and the
// temporary folder removed.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const e2eDir = path.resolve(here, '..');
const bin = path.resolve(e2eDir, process.env.TENANTPILOT_BIN || '../target/debug/tenantpilot');
const port = process.env.E2E_PORT;
const password = process.env.E2E_DEMO_PASSWORD || 'e2e-demo-pass';

if (!port) {
  console.error('[e2e] E2E_PORT is not set (playwright.config picks it)');
  process.exit(2);
}
if (!fs.existsSync(bin)) {
  console.error(`[e2e] server binary ${bin} is missing: run \`cargo build\` first or set TENANTPILOT_BIN`);
  process.exit(2);
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantpilot-e2e-'));
const cleanup = () => fs.rmSync(tmp, { recursive: true, force: true });

// The service reads every TENANTPILOT_* variable as configuration and refuses unknown keys,
// so pass on none of the caller's (TENANTPILOT_BIN among them): only the ones set here.
const env = {};
for (const [k, v] of Object.entries(process.env)) {
  if (!k.startsWith('TENANTPILOT_') && k !== 'DATABASE_URL') env[k] = v;
}
Object.assign(env, {
  DATABASE_URL: `sqlite://${tmp}/e2e.db`,
  TENANTPILOT_PUBLIC_URL: `http://127.0.0.1:${port}`,
  RUST_LOG: process.env.RUST_LOG || 'warn',
});

// A fake external support desk speaking our webhook contract: 201 {id, number} for every
// ticket, except 502 when the summary contains "[desk-fail]" (the failure path's browser test),
// or only on the first call for a reference when it contains "[desk-fail-once]" (the retry's).
// Like a real receiver it honours the Idempotency-Key: a reference it already has gets its
// ticket back, never a second one.
const tickets = [];
const byReference = new Map();
const failedOnce = new Set();
const desk = http.createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => { body += chunk; });
  req.on('end', () => {
    if (req.method !== 'POST' || req.url !== '/tickets') {
      res.writeHead(404).end();
      return;
    }
    let ticket = {};
    try { ticket = JSON.parse(body); } catch { /* answered below */ }
    const summary = String(ticket.summary || '');
    const reference = String(req.headers['idempotency-key'] || ticket.internal_reference || '');
    const failOnce = summary.includes('[desk-fail-once]') && !failedOnce.has(reference);
    if (!ticket.internal_reference || (summary.includes('[desk-fail]') && !summary.includes('[desk-fail-once]')) || failOnce) {
      if (failOnce) failedOnce.add(reference);
      res.writeHead(502, { 'content-type': 'application/json' }).end('{"error":"desk unavailable"}');
      return;
    }
    if (!byReference.has(reference)) {
      tickets.push(ticket);
      byReference.set(reference, String(1000 + tickets.length));
    }
    const number = byReference.get(reference);
    res.writeHead(201, { 'content-type': 'application/json' })
      .end(JSON.stringify({ id: `FD-${number}`, number }));
  });
});
await new Promise((resolve) => desk.listen(0, '127.0.0.1', resolve));
const deskPort = desk.address().port;
Object.assign(env, {
  TENANTPILOT_SUPPORT_DESK__KIND: 'webhook',
  TENANTPILOT_SUPPORT_DESK__URL: `http://127.0.0.1:${deskPort}/tickets`,
  TENANTPILOT_SUPPORT_DESK__TICKET_URL_TEMPLATE: `http://127.0.0.1:${deskPort}/tickets/{id}`,
  TENANTPILOT_SUPPORT_DESK__TIMEOUT_MS: '3000',
});

// Run from the temporary folder so a developer's tenantpilot.toml is not picked up.
const seed = spawnSync(bin, ['demo', 'seed', '--password', password], { env, cwd: tmp, stdio: 'inherit' });
if (seed.status !== 0) {
  console.error(`[e2e] demo seed failed (status ${seed.status}${seed.error ? `, ${seed.error.message}` : ''})`);
  cleanup();
  process.exit(1);
}

const server = spawn(bin, ['serve', '--bind', `127.0.0.1:${port}`], { env, cwd: tmp, stdio: 'inherit' });
let stopping = false;
const stop = (signal) => {
  stopping = true;
  server.kill(signal);
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
server.on('exit', (code, signal) => {
  desk.close();
  cleanup();
  if (!stopping) console.error(`[e2e] tenantpilot serve exited early (code ${code}, signal ${signal})`);
  process.exit(stopping ? 0 : code ?? 1);
});

#!/usr/bin/env node
/**
 * Writes docs/tools.md from the built server (`npm run docs:tools` builds first): the server is built
 * in-process with a placeholder tenant (nothing is contacted), an MCP client lists the tools, and the
 * resource and prompt definitions are read as declared. `--check` writes nothing and exits 1 when the
 * file is stale.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { toolsDocFromClient } from './tools-doc.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => import(path.join(root, 'dist', p));
const target = path.join(root, 'docs', 'tools.md');

const [{ serveMcpStdio }, { TenantRegistry }, { LOCAL_PRINCIPAL }, { openSqliteStore, confirmTokensOn }, { silentLogger }, { allResources }, { allPrompts }] =
  await Promise.all(
    ['server.js', 'tenants/registry.js', 'tenants/policy.js', 'store/index.js', 'log/logger.js', 'resources/catalog.js', 'prompts/catalog.js'].map(dist),
  );

const dir = await mkdtemp(path.join(os.tmpdir(), 'espocrm-mcp-docs-'));
try {
  const logger = silentLogger();
  // A writable placeholder tenant, so every tool is offered; listing tools never contacts it.
  const tenant = { id: 'docs', name: 'Docs', url: 'http://127.0.0.1:9', readOnly: false };
  const registry = new TenantRegistry({ tenants: [tenant], source: 'docs' }, { env: {}, baseDir: dir, logger });
  const store = await openSqliteStore(':memory:');
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const serving = serveMcpStdio(
    { registry, principal: LOCAL_PRINCIPAL, readOnly: false, logger, store, confirms: await confirmTokensOn(store) },
    { transport: serverTransport },
  );
  const client = new Client({ name: 'gen-tools-doc', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(clientTransport);
  const doc = await toolsDocFromClient(client, { resources: allResources(), prompts: allPrompts() });
  await client.close();
  await serving.close();
  await store.close();

  if (process.argv.includes('--check')) {
    const current = await readFile(target, 'utf8').catch(() => '');
    if (current !== doc) {
      console.error('docs/tools.md is stale: run `npm run docs:tools`.');
      process.exitCode = 1;
    }
  } else {
    await writeFile(target, doc);
    console.error(`wrote ${path.relative(root, target)}`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApiClient } from './api-client.js';
import { ApiError, UpdateFolderError } from './errors.js';
import { importUpdate, prepareUpdate } from './update-import.js';

const sha = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

function manifest(overrides: Record<string, unknown> = {}) {
  return {
    id: 'acme-tool-1.2.3',
    title: 'Acme Tool 1.2.3',
    severity: 'important',
    platforms: [{ os: 'linux' }],
    files: ['install.sh', 'payload/tool.bin'],
    detect: { type: 'file', path: '/opt/acme/tool' },
    install: { command: 'sh install.sh' },
    vendorNote: 'extra fields survive',
    ...overrides,
  };
}

let root: string;
let dir: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'ringmaster-cli-'));
  dir = join(root, 'update');
  await mkdir(join(dir, 'payload'), { recursive: true });
  await writeFile(join(dir, 'install.sh'), 'echo installing\n');
  await writeFile(join(dir, 'payload', 'tool.bin'), Buffer.alloc(200_000, 7));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function writeManifest(value: unknown) {
  await writeFile(join(dir, 'update.json'), JSON.stringify(value));
}

async function failure(promise: Promise<unknown>): Promise<UpdateFolderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UpdateFolderError);
  return error as UpdateFolderError;
}

describe('prepareUpdate', () => {
  it('hashes every file and keeps the raw manifest', async () => {
    await writeManifest(manifest());
    const prepared = await prepareUpdate(dir);
    expect(prepared.files.map(({ path, sha256, size }) => ({ path, sha256, size }))).toEqual([
      { path: 'install.sh', sha256: sha('echo installing\n'), size: 16 },
      { path: 'payload/tool.bin', sha256: sha(Buffer.alloc(200_000, 7)), size: 200_000 },
    ]);
    expect(prepared.raw).toEqual(manifest());
    expect(prepared.manifest.classification).toBe('update');
  });

  it('names the field of a bad severity', async () => {
    await writeManifest(manifest({ severity: 'urgent' }));
    const error = await failure(prepareUpdate(dir));
    expect(error.message).toContain('is not a valid manifest');
    expect(error.message).toMatch(/^ {2}severity: /m);
  });

  it('refuses a path climbing out of the folder', async () => {
    await writeManifest(manifest({ files: ['../secret'] }));
    const error = await failure(prepareUpdate(dir));
    expect(error.message).toMatch(/files\.0: must be a relative path inside the update folder/);
  });

  it('refuses a NUL byte in a file path', async () => {
    await writeManifest(manifest({ files: ['install\u0000.sh'] }));
    const error = await failure(prepareUpdate(dir));
    expect(error.message).toMatch(/files\.0: must not contain a NUL byte/);
  });

  it('refuses an absolute path', async () => {
    await writeManifest(manifest({ files: ['/etc/passwd'] }));
    const error = await failure(prepareUpdate(dir));
    expect(error.message).toMatch(/files\.0: must be a relative path/);
  });

  it('names a missing file', async () => {
    await writeManifest(manifest({ files: ['install.sh', 'missing.msi'] }));
    const error = await failure(prepareUpdate(dir));
    expect(error.message).toContain('files.1 "missing.msi": no such file in the update folder');
    expect(error.message).not.toContain('install.sh');
  });

  it('refuses a symlink that escapes the folder', async () => {
    await writeFile(join(root, 'outside.txt'), 'secret');
    await symlink(join(root, 'outside.txt'), join(dir, 'link.txt'));
    await writeManifest(manifest({ files: ['link.txt'] }));
    const error = await failure(prepareUpdate(dir));
    expect(error.message).toContain('files.0 "link.txt": resolves outside the update folder');
  });

  it('accepts a symlink that stays inside the folder', async () => {
    await symlink('payload/tool.bin', join(dir, 'alias.bin'));
    await writeManifest(manifest({ files: ['alias.bin'] }));
    const prepared = await prepareUpdate(dir);
    expect(prepared.files[0]?.sha256).toBe(sha(Buffer.alloc(200_000, 7)));
  });

  it('refuses a folder named as a file', async () => {
    await writeManifest(manifest({ files: ['payload'] }));
    const error = await failure(prepareUpdate(dir));
    expect(error.message).toContain('files.0 "payload": not a regular file');
  });

  it('explains a missing or broken update.json', async () => {
    expect((await failure(prepareUpdate(dir))).message).toContain('update.json: not found');
    await writeFile(join(dir, 'update.json'), '{ "id": ');
    expect((await failure(prepareUpdate(dir))).message).toContain('update.json: not valid JSON');
    expect((await failure(prepareUpdate(join(root, 'nope')))).message).toContain('no such folder');
  });
});

type Seen = { method: string; url: string; headers: IncomingMessage['headers']; body: Buffer };

describe('importUpdate against a server', () => {
  let server: Server;
  let url: string;
  const seen: Seen[] = [];
  const stored = new Map<string, Buffer>();

  beforeEach(async () => {
    seen.length = 0;
    stored.clear();
    server = createServer((req, res) => void handle(req, res));
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    await new Promise((ok) => server.close(ok));
  });

  // A catalog that knows no content until it is uploaded, and checks uploads' digests.
  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    const send = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (req.method === 'PUT' && req.url?.startsWith('/api/v1/content/')) {
      const digest = req.url.slice('/api/v1/content/'.length);
      if (sha(body) !== digest) return send(400, { error: 'hash-mismatch', message: 'bad' });
      stored.set(digest, body);
      return send(201, { sha256: digest, size: body.length });
    }
    if (req.method === 'POST' && req.url === '/api/v1/updates') {
      const { manifest: m, files } = JSON.parse(body.toString()) as {
        manifest: Record<string, unknown>;
        files: { path: string; sha256: string; size: number }[];
      };
      const missing = files.map((f) => f.sha256).filter((d) => !stored.has(d));
      if (missing.length > 0) {
        return send(409, {
          error: 'missing-content',
          message: `${missing.length} file(s) missing`,
          details: { missing },
        });
      }
      return send(201, {
        id: m.id,
        title: m.title,
        severity: m.severity,
        classification: 'update',
        uninstallable: false,
        files,
        manifest: m,
        createdAt: '2026-11-25T10:00:00.000Z',
      });
    }
    send(404, { error: 'not-found', message: 'no route' });
  }

  it('uploads the missing content, then registers the update', async () => {
    await writeManifest(manifest());
    const prepared = await prepareUpdate(dir);
    const uploaded: string[] = [];
    const result = await importUpdate(createApiClient({ url, token: 't0k' }), prepared, (f) =>
      uploaded.push(f.path),
    );

    expect(result.created).toBe(true);
    expect(result.update.id).toBe('acme-tool-1.2.3');
    expect(uploaded).toEqual(['install.sh', 'payload/tool.bin']);
    expect(seen.map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST /api/v1/updates',
      `PUT /api/v1/content/${sha('echo installing\n')}`,
      `PUT /api/v1/content/${sha(Buffer.alloc(200_000, 7))}`,
      'POST /api/v1/updates',
    ]);
    const put = seen[1];
    expect(put?.headers['content-type']).toBe('application/octet-stream');
    expect(put?.headers['content-length']).toBe('16');
    expect(put?.body.toString()).toBe('echo installing\n');
    expect(stored.get(sha(Buffer.alloc(200_000, 7)))?.length).toBe(200_000);
    expect(seen.every((r) => r.headers.authorization === 'Bearer t0k')).toBe(true);
    // The manifest goes as written, unknown fields and all, without schema defaults.
    const posted = JSON.parse(seen[3]?.body.toString() ?? '{}') as { manifest: unknown };
    expect(posted.manifest).toEqual(manifest());
  });

  it('refuses to upload a file whose size changed since it was hashed', async () => {
    await writeManifest(manifest());
    const prepared = await prepareUpdate(dir);
    await writeFile(join(dir, 'install.sh'), 'echo installing something else\n');
    const error = await failure(importUpdate(createApiClient({ url, token: 't' }), prepared));
    expect(error.message).toBe(
      'install.sh changed since it was read (16 bytes then, 31 now); run the import again',
    );
    expect(seen.map((r) => r.method)).toEqual(['POST']);
  });

  it('uploads nothing when the server has every file', async () => {
    await writeManifest(manifest());
    const prepared = await prepareUpdate(dir);
    for (const f of prepared.files) stored.set(f.sha256, Buffer.alloc(0));
    await importUpdate(createApiClient({ url, token: 't' }), prepared);
    expect(seen.map((r) => r.method)).toEqual(['POST']);
  });

  it('passes on a conflict as an ApiError', async () => {
    server.removeAllListeners('request');
    server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(409, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: 'conflict',
          message: 'update "acme-tool-1.2.3" exists with other content',
        }),
      );
    });
    await writeManifest(manifest());
    const error = await importUpdate(
      createApiClient({ url, token: 't' }),
      await prepareUpdate(dir),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).message).toBe(
      'update "acme-tool-1.2.3" exists with other content (409 conflict)',
    );
  });
});

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { captureOutput, runProgram as run, useFakeApi, useTempDir } from './cli.test-support.js';

const { routes, seen } = useFakeApi();
const io = captureOutput();
const temp = useTempDir('ringmaster-login-');

const alice = {
  id: 'usr_1',
  name: 'alice',
  displayName: 'Alice',
  email: 'alice@example.com',
  role: 'operator',
  groupScope: ['tokyo', 'paris'],
  hasPassword: true,
  disabledAt: null,
  disabledBy: null,
  createdAt: '2026-12-03T10:00:00.000Z',
};

describe('user, token and login commands', () => {
  it('user create sends the role, scope and a password from RINGMASTER_PASSWORD', async () => {
    vi.stubEnv('RINGMASTER_PASSWORD', 'correct horse battery');
    routes['POST /api/v1/users'] = { status: 201, body: alice };
    const code = await run(
      'user',
      'create',
      'alice',
      '--role',
      'operator',
      '--scope',
      'tokyo, paris',
      '--email',
      'alice@example.com',
      '--password',
    );
    expect(code).toBe(0);
    expect(seen[0]?.body).toEqual({
      name: 'alice',
      role: 'operator',
      email: 'alice@example.com',
      groupScope: ['tokyo', 'paris'],
      password: 'correct horse battery',
    });
    expect(io.out).toMatch(/Group scope:\s+tokyo, paris/);
  });

  it('user create refuses an unknown role with exit 2', async () => {
    expect(await run('user', 'create', 'bob', '--role', 'king')).toBe(2);
    expect(io.err).toContain('Allowed choices are admin, operator, viewer, auditor');
    expect(seen).toEqual([]);
  });

  it('user set removes the scope and disable disables', async () => {
    routes['PUT /api/v1/users/alice'] = { status: 200, body: { ...alice, groupScope: null } };
    expect(await run('user', 'set', 'alice', '--all-groups', '--role', 'viewer')).toBe(0);
    expect(seen[0]?.body).toEqual({ role: 'viewer', groupScope: null });
    expect(await run('user', 'disable', 'alice')).toBe(0);
    expect(seen[1]?.body).toEqual({ disabled: true });
  });

  it('token create asks for an expiry and prints the secret once', async () => {
    routes['POST /api/v1/tokens'] = {
      status: 201,
      body: {
        id: 'tok_1',
        name: 'ci',
        token: 'rm_token_secret',
        user: 'alice',
        role: 'operator',
        kind: 'api',
        createdAt: '2026-12-03T10:00:00.000Z',
        expiresAt: '2027-01-02T10:00:00.000Z',
        revokedAt: null,
        revokedBy: null,
      },
    };
    expect(
      await run('token', 'create', '--user', 'alice', '--name', 'ci', '--expires', '30d'),
    ).toBe(0);
    expect(seen[0]?.body).toEqual({ user: 'alice', name: 'ci', expiresInSeconds: 30 * 86_400 });
    expect(io.out).toContain('rm_token_secret');
    expect(await run('token', 'create', '--expires', '400d')).toBe(2);
  });

  it('login signs in, stores the token, and the other commands use it', async () => {
    const file = join(temp.dir, 'token');
    vi.stubEnv('RINGMASTER_TOKEN_FILE', file);
    vi.stubEnv('RINGMASTER_PASSWORD', 'correct horse battery');
    vi.stubEnv('RINGMASTER_TOKEN', '');
    routes['POST /api/v1/sessions'] = {
      status: 201,
      body: {
        token: 'rm_session_abc',
        tokenId: 'tok_2',
        expiresAt: '2026-12-03T22:00:00.000Z',
        user: alice,
      },
    };
    expect(await run('login', '--user', 'alice')).toBe(0);
    expect(seen[0]?.body).toEqual({ name: 'alice', password: 'correct horse battery' });
    expect(io.out).toContain('Signed in as alice (operator).');
    expect((await readFile(file, 'utf8')).trim()).toBe('rm_session_abc');

    routes['GET /api/v1/me'] = {
      status: 200,
      body: {
        name: 'alice',
        displayName: 'Alice',
        email: null,
        user: 'alice',
        role: 'operator',
        permissions: ['self', 'read', 'deploy'],
        groupScope: null,
        tokenId: 'tok_2',
        tokenExpiresAt: '2026-12-03T22:00:00.000Z',
      },
    };
    expect(await run('whoami')).toBe(0);
    expect(io.out).toMatch(/Permissions:\s+self, read, deploy/);

    expect(await run('logout')).toBe(0);
    expect(await run('whoami')).toBe(2);
  });
});

import { describe, expect, it } from 'vitest';
import { captureOutput, runProgram as run, useFakeApi } from './cli.test-support.js';
import { formatWindows, windowFromFlags } from './group.command.js';

const { routes, seen } = useFakeApi();
const io = captureOutput();

const sunday = { cron: '0 2 * * 0', durationMinutes: 120, timezone: 'UTC' };
const saturday = { cron: '0 1 * * 6', durationMinutes: 240, timezone: 'Asia/Tokyo' };

const group = (windows: unknown[]) => ({
  id: 'g1',
  name: 'tokyo',
  kind: 'static',
  query: null,
  memberCount: 1,
  windows,
  policy: null,
  ownerEmail: null,
  createdAt: '2026-11-25T10:00:00.000Z',
});

describe('group window', () => {
  /** `ringmaster group window tokyo …flags`. */
  const windowOfTokyo = (...flags: string[]) => run('group', 'window', 'tokyo', ...flags);

  it('appends a window to those the group has and PUTs them all', async () => {
    routes['GET /api/v1/groups/tokyo'] = {
      status: 200,
      body: { ...group([sunday]), members: [{ id: 'c1', hostname: 'pc-1' }] },
    };
    routes['PUT /api/v1/groups/tokyo/windows'] = { status: 200, body: group([sunday, saturday]) };
    const code = await windowOfTokyo(
      '--cron',
      '0 1 * * 6',
      '--duration',
      '4h',
      '--timezone',
      'Asia/Tokyo',
    );
    expect(io.err).toBe('');
    expect(code).toBe(0);
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'GET /api/v1/groups/tokyo',
      'PUT /api/v1/groups/tokyo/windows',
    ]);
    expect(seen[1]?.body).toEqual({ windows: [sunday, saturday] });
    expect(io.out).toContain('Group tokyo now has 2 maintenance window(s).');
    expect(io.out).toMatch(/0 1 \* \* 6\s+4h\s+Asia\/Tokyo/);
  });

  it('--clear removes every window', async () => {
    routes['PUT /api/v1/groups/tokyo/windows'] = { status: 200, body: group([]) };
    expect(await windowOfTokyo('--clear')).toBe(0);
    expect(seen).toEqual([
      { method: 'PUT', url: '/api/v1/groups/tokyo/windows', body: { windows: [] } },
    ]);
    expect(io.out).toContain('Removed the maintenance windows of group tokyo.');
  });

  it('checks the window before sending anything', async () => {
    expect(await windowOfTokyo('--cron', '0 1 * *', '--duration', '4h')).toBe(2);
    expect(io.err).toContain('error: invalid window: cron: "0 1 * *" must have 5 fields');
    io.err = '';
    expect(
      await windowOfTokyo('--cron', '0 1 * * 6', '--duration', '4h', '--timezone', 'Mars/Olympus'),
    ).toBe(2);
    expect(io.err).toContain('timezone: must be an IANA time zone');
    io.err = '';
    expect(await windowOfTokyo('--cron', '0 1 * * 6')).toBe(2);
    expect(io.err).toContain('a window needs --duration');
    io.err = '';
    expect(await windowOfTokyo('--clear', '--cron', '0 1 * * 6')).toBe(2);
    expect(io.err).toContain('--clear removes all windows');
    expect(seen).toHaveLength(0);
  });

  it('turns the flags into a window, UTC by default', async () => {
    expect(await windowFromFlags({ cron: '0 2 * * 0', duration: '2h', timezone: 'UTC' })).toEqual(
      sunday,
    );
    await expect(
      windowFromFlags({ cron: '0 2 * * 0', duration: 'soon', timezone: 'UTC' }),
    ).rejects.toThrow('--duration: "soon" is not a duration');
  });
});

describe('group show', () => {
  it('lists the windows and the members', async () => {
    routes['GET /api/v1/groups/tokyo'] = {
      status: 200,
      body: { ...group([saturday]), members: [{ id: 'c1', hostname: 'pc-1' }] },
    };
    expect(await run('group', 'show', 'tokyo')).toBe(0);
    expect(io.out).toContain(`Maintenance windows:\n${formatWindows([saturday])}\n`);
    expect(io.out).toMatch(/CRON\s+DURATION\s+TIMEZONE\n0 1 \* \* 6\s+4h\s+Asia\/Tokyo/);
    expect(io.out).toMatch(/Members:\nHOSTNAME\s+ID\npc-1\s+c1/);
  });
});

describe('group policy', () => {
  it('group create --policy sends it, and group show prints it', async () => {
    routes['POST /api/v1/groups'] = { status: 201, body: { ...group([]), policy: 'notify' } };
    expect(await run('group', 'create', 'tokyo', '--policy', 'notify')).toBe(0);
    expect(seen[0]?.body).toEqual({ name: 'tokyo', policy: 'notify' });
    expect(io.out).toMatch(/Policy:\s+notify/);
  });

  it('group set --policy PUTs it, --clear-policy PUTs null', async () => {
    routes['PUT /api/v1/groups/tokyo/policy'] = {
      status: 200,
      body: { ...group([]), policy: 'auto-download' },
    };
    expect(await run('group', 'set', 'tokyo', '--policy', 'auto-download')).toBe(0);
    expect(io.out).toContain('Group tokyo now sets the client policy auto-download.');
    routes['PUT /api/v1/groups/tokyo/policy'] = { status: 200, body: group([]) };
    expect(await run('group', 'set', 'tokyo', '--clear-policy')).toBe(0);
    expect(io.out).toContain('Group tokyo sets no client policy now.');
    expect(seen.map((s) => s.body)).toEqual([{ policy: 'auto-download' }, { policy: null }]);
  });

  it('refuses an unknown policy, both flags or none, before sending anything', async () => {
    expect(await run('group', 'set', 'tokyo', '--policy', 'whenever')).toBe(2);
    expect(io.err).toContain('--policy: "whenever" is not one of notify, auto-download, scheduled');
    expect(await run('group', 'set', 'tokyo', '--policy', 'notify', '--clear-policy')).toBe(2);
    expect(await run('group', 'set', 'tokyo')).toBe(2);
    expect(io.err).toContain('nothing to set');
    expect(await run('group', 'create', 'tokyo', '--policy', 'later')).toBe(2);
    expect(seen).toHaveLength(0);
  });

  it('group set --owner-email PUTs it, --clear-owner-email PUTs null, show prints it', async () => {
    routes['PUT /api/v1/groups/tokyo/owner-email'] = {
      status: 200,
      body: { ...group([]), ownerEmail: 'tokyo-it@example.test' },
    };
    expect(await run('group', 'set', 'tokyo', '--owner-email', 'tokyo-it@example.test')).toBe(0);
    expect(io.out).toContain(
      "The schedule of tokyo's computers without an owner e-mail goes to tokyo-it@example.test.",
    );
    routes['GET /api/v1/groups/tokyo'] = {
      status: 200,
      body: { ...group([]), ownerEmail: 'tokyo-it@example.test', members: [] },
    };
    expect(await run('group', 'show', 'tokyo')).toBe(0);
    expect(io.out).toMatch(/Owner e-mail:\s+tokyo-it@example.test/);
    routes['PUT /api/v1/groups/tokyo/owner-email'] = { status: 200, body: group([]) };
    expect(await run('group', 'set', 'tokyo', '--clear-owner-email')).toBe(0);
    expect(io.out).toContain('Group tokyo names no owner e-mail now.');
    expect(seen.filter((s) => s.body !== undefined).map((s) => s.body)).toEqual([
      { ownerEmail: 'tokyo-it@example.test' },
      { ownerEmail: null },
    ]);
    expect(
      await run('group', 'set', 'tokyo', '--owner-email', 'a@b.c', '--clear-owner-email'),
    ).toBe(2);
  });

  it("group list shows each group's policy", async () => {
    routes['GET /api/v1/groups'] = {
      status: 200,
      body: { items: [{ ...group([]), policy: 'scheduled' }], nextCursor: null, total: 1 },
    };
    expect(await run('group', 'list')).toBe(0);
    expect(io.out).toMatch(/POLICY[\s\S]*tokyo\s+static\s+1\s+0\s+scheduled/);
  });
});

describe('group preview', () => {
  it('sends the query and prints how many and which computers it reaches', async () => {
    routes['POST /api/v1/groups/preview'] = {
      status: 200,
      body: { count: 2, members: [{ id: 'c1', hostname: 'pc-1' }] },
    };
    expect(await run('group', 'preview', 'os = "linux"')).toBe(0);
    expect(seen[0]?.body).toEqual({ query: 'os = "linux"' });
    expect(io.out).toContain('The query matches 2 computer(s).');
    expect(io.out).toMatch(/HOSTNAME\s+ID\npc-1\s+c1/);
  });

  it('exits non-zero with the server message for a bad query', async () => {
    routes['POST /api/v1/groups/preview'] = {
      status: 400,
      body: { error: 'validation-error', message: 'query: expected a value at the end' },
    };
    expect(await run('group', 'preview', 'os =')).not.toBe(0);
    expect(io.err).toContain('expected a value at the end');
  });
});

import { describe, expect, it } from 'vitest';
import { ServerCallError } from './server-client.js';
import {
  SHED_STRIKES,
  ServerList,
  startingServer,
  verdictOf,
  type ServerSwitch,
} from './server-list.js';

const A = 'https://a.example';
const B = 'https://b.example';
const C = 'https://c.example';

const unreachable = () =>
  new ServerCallError('server unreachable: ECONNREFUSED', null, 'ECONNREFUSED');
const status = (code: number, retryAfter: number | null = null) =>
  new ServerCallError(`HTTP ${code}`, code, `http-${code}`, retryAfter);

/** A fake call: each server answers as `answers` says (an error to throw, or a value). */
function calls(answers: Record<string, Error | string>) {
  const tried: string[] = [];
  const attempt = (url: string): Promise<string> => {
    tried.push(url);
    const answer = answers[url] ?? 'ok';
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  };
  return { tried, attempt };
}

function list(urls: string[], start = 0) {
  const switches: ServerSwitch[] = [];
  return { servers: new ServerList(urls, start, (s) => switches.push(s)), switches };
}

describe('verdictOf', () => {
  it('moves on from what is down, waits out what is shed, accepts any other answer', () => {
    expect(verdictOf(unreachable())).toBe('down');
    expect(verdictOf(new ServerCallError('bad certificate', null, 'tls-failure'))).toBe('down');
    expect(verdictOf(status(500))).toBe('down');
    expect(verdictOf(status(502))).toBe('down');
    expect(verdictOf(status(503))).toBe('down');
    expect(verdictOf(status(504))).toBe('down');
    expect(verdictOf(status(408))).toBe('down');
    expect(verdictOf(status(503, 10))).toBe('shed');
    expect(verdictOf(status(429))).toBe('shed');
    expect(verdictOf(status(429, 5))).toBe('shed');
    expect(verdictOf(status(401))).toBe('answered');
    expect(verdictOf(status(404))).toBe('answered');
    expect(verdictOf(new ServerCallError('invalid response', 200, 'invalid-response'))).toBe(
      'answered',
    );
    expect(verdictOf(new Error('disk full'))).toBe('answered');
  });
});

describe('startingServer', () => {
  it('is stable for a key and spreads a fleet evenly', () => {
    expect(startingServer('nonce-1', 3)).toBe(startingServer('nonce-1', 3));
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++) {
      const at = startingServer(`${i.toString(16).padStart(8, '0')}fleet`, 3);
      counts[at] = (counts[at] ?? 0) + 1;
    }
    for (const count of counts) expect(Math.abs(count - 1000)).toBeLessThan(100);
    expect(startingServer('anything', 1)).toBe(0);
  });
});

describe('ServerList', () => {
  it('starts at its own place and sticks to a server that answers', async () => {
    const { servers, switches } = list([A, B, C], 1);
    const { tried, attempt } = calls({});
    expect(await servers.run(attempt)).toBe('ok');
    expect(await servers.run(attempt)).toBe('ok');
    expect(tried).toEqual([B, B]);
    expect(servers.current).toBe(B);
    expect(switches).toEqual([]);
  });

  it('fails over to the next on a connection error or a 5xx, and stays there', async () => {
    const { servers, switches } = list([A, B, C]);
    const { tried, attempt } = calls({ [A]: unreachable(), [B]: status(502) });
    expect(await servers.run(attempt)).toBe('ok');
    expect(tried).toEqual([A, B, C]);
    expect(servers.current).toBe(C);
    expect(switches).toEqual([
      {
        from: A,
        to: C,
        reason: `${A}: server unreachable: ECONNREFUSED; ${B}: HTTP 502`,
      },
    ]);
    // A and B are back: the agent stays where it is.
    const back = calls({});
    await servers.run(back.attempt);
    expect(back.tried).toEqual([C]);
  });

  it('wraps around the end of the list', async () => {
    const { servers, switches } = list([A, B, C], 2);
    const { tried, attempt } = calls({ [C]: unreachable() });
    await servers.run(attempt);
    expect(tried).toEqual([C, A]);
    expect(servers.current).toBe(A);
    expect(switches).toEqual([{ from: C, to: A, reason: 'server unreachable: ECONNREFUSED' }]);
  });

  it('takes a refusal (4xx) as an answer: no other server is tried', async () => {
    const { servers, switches } = list([A, B]);
    const refused = status(403);
    const { tried, attempt } = calls({ [A]: refused });
    await expect(servers.run(attempt)).rejects.toBe(refused);
    expect(tried).toEqual([A]);
    expect(switches).toEqual([]);
  });

  it('sticks to the server that refused after the one before it was down', async () => {
    const { servers } = list([A, B]);
    const { attempt } = calls({ [A]: unreachable(), [B]: status(404) });
    await expect(servers.run(attempt)).rejects.toMatchObject({ status: 404 });
    expect(servers.current).toBe(B);
  });

  it('names every failure when all are down, and keeps its place', async () => {
    const { servers, switches } = list([A, B], 1);
    const { tried, attempt } = calls({ [A]: status(500), [B]: unreachable() });
    const error = (await servers.run(attempt).catch((e: unknown) => e)) as ServerCallError;
    expect(tried).toEqual([B, A]);
    expect(error).toBeInstanceOf(ServerCallError);
    expect(error.message).toBe(
      `no server answered: ${B}: server unreachable: ECONNREFUSED; ${A}: HTTP 500`,
    );
    expect(error.status).toBe(500);
    expect(servers.current).toBe(B);
    expect(switches).toEqual([]);
  });

  it('passes the error of a single server on as it is', async () => {
    const { servers } = list([A]);
    const down = unreachable();
    await expect(servers.run(calls({ [A]: down }).attempt)).rejects.toBe(down);
  });

  it('does not take a shed call elsewhere at once, but leaves a server that keeps shedding', async () => {
    const { servers, switches } = list([A, B]);
    const shed = status(503, 10);
    const { tried, attempt } = calls({ [A]: shed });
    for (let i = 1; i < SHED_STRIKES; i++) {
      await expect(servers.run(attempt)).rejects.toBe(shed);
      expect(servers.current).toBe(A);
    }
    await expect(servers.run(attempt)).rejects.toBe(shed);
    expect(tried).toEqual(Array.from({ length: SHED_STRIKES }, () => A));
    expect(servers.current).toBe(B);
    expect(switches).toEqual([
      { from: A, to: B, reason: `it shed ${SHED_STRIKES} calls in a row` },
    ]);
  });

  it('counts only sheds in a row', async () => {
    const { servers } = list([A, B]);
    const shedding = calls({ [A]: status(429, 1) });
    const serving = calls({});
    for (let round = 0; round < 3; round++) {
      for (let i = 1; i < SHED_STRIKES; i++) await servers.run(shedding.attempt).catch(() => null);
      await servers.run(serving.attempt);
    }
    expect(servers.current).toBe(A);
  });

  it('moves past the current server when what it held broke (the push channel)', () => {
    const { servers, switches } = list([A, B]);
    servers.down(B, 'not the current one');
    expect(servers.current).toBe(A);
    servers.down(A, 'other side closed');
    expect(servers.current).toBe(B);
    expect(switches).toEqual([{ from: A, to: B, reason: 'other side closed' }]);
    const single = list([A]);
    single.servers.down(A, 'gone');
    expect(single.switches).toEqual([]);
  });

  it('passes an error on as it is once the caller aborted', async () => {
    const { servers } = list([A, B]);
    const controller = new AbortController();
    const tried: string[] = [];
    const aborted = unreachable();
    const run = servers.run((url) => {
      tried.push(url);
      controller.abort();
      return Promise.reject(aborted);
    }, controller.signal);
    await expect(run).rejects.toBe(aborted);
    expect(tried).toEqual([A]);
    expect(servers.current).toBe(A);
  });
});

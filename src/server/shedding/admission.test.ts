import { describe, expect, it } from 'vitest';
import { buildOpenApi } from '../../contracts/openapi.js';
import { loadClassOf } from '../../contracts/route.js';
import { allRoutes } from '../../contracts/routes.js';
import { admit, DEFAULT_SHEDDING, withLagLimit } from './admission.js';

describe('admit', () => {
  const limits = { inFlight: 2, queued: 1, maxLagMs: 100 };

  it('runs while a slot is free and nobody waits', () => {
    expect(admit({ inFlight: 0, queued: 0, lagMs: 0 }, limits)).toBe('run');
    expect(admit({ inFlight: 1, queued: 0, lagMs: 0 }, limits)).toBe('run');
  });

  it('queues behind full slots, and behind others already waiting', () => {
    expect(admit({ inFlight: 2, queued: 0, lagMs: 0 }, limits)).toBe('queue');
    expect(
      admit({ inFlight: 1, queued: 0, lagMs: 0 }, { inFlight: 1, queued: 1, maxLagMs: null }),
    ).toBe('queue');
  });

  it('sheds once the queue is full', () => {
    expect(admit({ inFlight: 2, queued: 1, lagMs: 0 }, limits)).toBe('shed');
    expect(
      admit({ inFlight: 0, queued: 0, lagMs: 0 }, { inFlight: 0, queued: 0, maxLagMs: null }),
    ).toBe('shed');
  });
});

describe('admit under event-loop lag', () => {
  it('sheds outright once the loop lags past the class limit, however free the slots', () => {
    const limits = { inFlight: 2, queued: 1, maxLagMs: 100 };
    expect(admit({ inFlight: 0, queued: 0, lagMs: 100 }, limits)).toBe('run');
    expect(admit({ inFlight: 0, queued: 0, lagMs: 101 }, limits)).toBe('shed');
    expect(admit({ inFlight: 0, queued: 0, lagMs: 5000 }, { ...limits, maxLagMs: null })).toBe(
      'run',
    );
  });

  it('sheds check-ins at less lag than reports, and reports at less than admin calls', () => {
    const { checkin, report, admin } = withLagLimit(DEFAULT_SHEDDING, 500);
    const idle = { inFlight: 0, queued: 0, lagMs: 600 };
    expect([admit(idle, checkin), admit(idle, report), admit(idle, admin)]).toEqual([
      'shed',
      'run',
      'run',
    ]);
  });
});

describe('the load class of each declared route', () => {
  const classOf = (name: string) => {
    const declaration = allRoutes[name];
    if (!declaration) throw new Error(`no route ${name}`);
    return loadClassOf(declaration);
  };

  it('puts check-ins, reports and the rest in their classes', () => {
    expect(classOf('checkin')).toBe('checkin');
    expect(classOf('reports')).toBe('report');
    expect(classOf('createGroup')).toBe('admin');
    expect(classOf('enroll')).toBe('admin');
  });

  it('never sheds health, the API description, push streams or content', () => {
    for (const route of ['health', 'openApi', 'wake', 'content']) expect(classOf(route)).toBeNull();
  });

  it('the OpenAPI document declares the 503 with Retry-After exactly where a route can be shed', () => {
    const doc = buildOpenApi('test') as {
      paths: Record<string, Record<string, { operationId: string; responses: object }>>;
    };
    for (const operations of Object.values(doc.paths)) {
      for (const op of Object.values(operations)) {
        expect(Object.keys(op.responses).includes('503'), op.operationId).toBe(
          classOf(op.operationId) !== null,
        );
      }
    }
  });
});

import { describe, expect, it } from 'vitest';
import { buildOpenApi } from '../../contracts/openapi.js';
import { loadClassOf } from '../../contracts/route.js';
import { allRoutes } from '../../contracts/routes.js';
import {
  adaptRate,
  admit,
  DEFAULT_SHEDDING,
  fullBucket,
  startRate,
  takeToken,
  withLagLimit,
  withRateLimits,
  type Bucket,
} from './admission.js';

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

describe('the rate rule (token bucket)', () => {
  /** Offers one request at each of `times` (ms) and says which were admitted. */
  function offer(rate: { perSecond: number; burst?: number }, times: number[]): boolean[] {
    let bucket: Bucket = fullBucket(rate, 0);
    return times.map((t) => {
      const taken = takeToken(bucket, rate, t);
      bucket = taken.bucket;
      return taken.admitted;
    });
  }

  it('admits a burst of a tenth of a second at once, and sheds the rest of it', () => {
    const admitted = offer({ perSecond: 100 }, Array<number>(15).fill(0));
    expect(admitted.filter(Boolean)).toHaveLength(10);
    expect(admitted.slice(10)).toEqual([false, false, false, false, false]);
  });

  it('admits at the rate however much more is offered', () => {
    // 3,000 requests offered over one second at 3× a rate of 1,000/s.
    const times = Array.from({ length: 3000 }, (_, k) => k / 3);
    const admitted = offer({ perSecond: 1000 }, times).filter(Boolean).length;
    // A second's worth plus the first burst (100), never more.
    expect(admitted).toBeGreaterThanOrEqual(1000);
    expect(admitted).toBeLessThanOrEqual(1100);
  });

  it('refills while idle, only up to its burst', () => {
    const rate = { perSecond: 10, burst: 2 };
    // Empty at 0; after a minute idle it holds 2, not 600.
    expect(offer(rate, [0, 0, 0, 60_000, 60_000, 60_000])).toEqual([
      true,
      true,
      false,
      true,
      true,
      false,
    ]);
    // One token every 100 ms.
    expect(offer(rate, [0, 0, 50, 100, 150, 200])).toEqual([true, true, false, true, false, true]);
  });

  it('a clock that steps back refills nothing', () => {
    const rate = { perSecond: 10, burst: 1 };
    expect(offer(rate, [1000, 500, 1099, 1100])).toEqual([true, false, false, true]);
  });

  it('an adaptive rate falls by a fifth per period of lag, to 1 % at least, and climbs back', () => {
    const after = (perSecond: number, lagMs: number) =>
      adaptRate({ perSecond, slowStart: false }, 1000, lagMs, 20).perSecond;
    expect(after(1000, 30)).toBe(800);
    expect(after(800, 30)).toBe(640);
    expect(after(10.5, 30)).toBe(10);
    expect(after(640, 20)).toBe(660);
    expect(after(990, 0)).toBe(1000);
  });

  it('an adaptive rate starts at a tenth of its ceiling, growing by half each period until the ceiling or the first lag', () => {
    const start = startRate(1000);
    expect(start).toEqual({ perSecond: 100, slowStart: true });
    expect(adaptRate(start, 1000, 0, 20)).toEqual({ perSecond: 150, slowStart: true });
    expect(adaptRate({ perSecond: 800, slowStart: true }, 1000, 0, 20)).toEqual({
      perSecond: 1000,
      slowStart: false,
    });
    // The first lag ends it: from then on, a fiftieth of the ceiling more per period.
    const cut = adaptRate({ perSecond: 400, slowStart: true }, 1000, 30, 20);
    expect(cut).toEqual({ perSecond: 320, slowStart: false });
    expect(adaptRate(cut, 1000, 0, 20)).toEqual({ perSecond: 340, slowStart: false });
    expect(startRate(5).perSecond).toBe(1);
  });

  it('is set per class, and kept when the lag rule is turned on', () => {
    const limits = withLagLimit(withRateLimits(DEFAULT_SHEDDING, { checkin: 500 }), 100);
    expect(limits.checkin.rate).toEqual({ perSecond: 500 });
    expect(limits.checkin.maxLagMs).toBe(100);
    expect(limits.report.rate).toBeUndefined();
    expect(DEFAULT_SHEDDING.checkin.rate).toBeUndefined();
    expect(withRateLimits(DEFAULT_SHEDDING, { report: 50 }, 25).report.rate).toEqual({
      perSecond: 50,
      targetLagMs: 25,
    });
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

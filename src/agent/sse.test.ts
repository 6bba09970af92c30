import { describe, expect, it } from 'vitest';
import { SseParser } from './sse.js';

describe('SseParser', () => {
  it('parses events cut anywhere, with every kind of line end', () => {
    const stream =
      ': ping\n\nevent: checkin\r\ndata: {"a":1}\r\n\r\nevent: checkin\rdata: x\r\rdata: a\ndata: b\n\n';
    const whole = new SseParser().push(stream);
    expect(whole).toEqual([
      { event: 'checkin', data: '{"a":1}', id: null },
      { event: 'checkin', data: 'x', id: null },
      { event: 'message', data: 'a\nb', id: null },
    ]);
    // The same stream one character at a time gives the same events.
    const parser = new SseParser();
    const pieces = [...stream].flatMap((c) => parser.push(c));
    expect(pieces).toEqual(whole);
  });

  it('skips comments and dispatches a named event without data', () => {
    const parser = new SseParser();
    expect(parser.push(': ping\n\n: another\n\n')).toEqual([]);
    expect(parser.push('event: checkin\n')).toEqual([]);
    expect(parser.push('\n')).toEqual([{ event: 'checkin', data: '', id: null }]);
    expect(parser.push('data\n\nid: 7\nevent:checkin\n\n')).toEqual([
      { event: 'message', data: '', id: null },
      { event: 'checkin', data: '', id: '7' },
    ]);
  });
});

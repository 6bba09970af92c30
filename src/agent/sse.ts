/** One Server-Sent Event: its type (`message` when not named) and its data lines joined. */
export interface SseEvent {
  event: string;
  data: string;
  id: string | null;
}

/**
 * An incremental Server-Sent Events parser (the WHATWG event-stream format): feed it
 * decoded text as it arrives, in chunks cut anywhere, and it returns each event once
 * its blank line has arrived. Comment lines (`: ping`) are skipped.
 */
export class SseParser {
  private buffer = '';
  /** A chunk ended with CR: a LF at the start of the next one belongs to it. */
  private pendingCr = false;
  private eventType = '';
  private data: string[] = [];
  private id: string | null = null;

  push(text: string): SseEvent[] {
    let chunk = text;
    if (this.pendingCr && chunk.startsWith('\n')) chunk = chunk.slice(1);
    this.pendingCr = false;
    this.buffer += chunk;
    const events: SseEvent[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      if (!match) break;
      // A CR at the very end may be the first half of CRLF.
      if (match[0] === '\r' && match.index === this.buffer.length - 1) {
        this.pendingCr = true;
      }
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      const event = this.line(line);
      if (event) events.push(event);
    }
    return events;
  }

  private line(line: string): SseEvent | null {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return null;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.eventType = value;
        break;
      case 'data':
        this.data.push(value);
        break;
      case 'id':
        this.id = value;
        break;
      default:
        // `retry` and unknown fields: nothing the agent needs.
        break;
    }
    return null;
  }

  private dispatch(): SseEvent | null {
    const hasData = this.data.length > 0;
    const event: SseEvent = {
      event: this.eventType || 'message',
      data: this.data.join('\n'),
      id: this.id,
    };
    this.eventType = '';
    this.data = [];
    // A named event counts even without data ("event: checkin" alone says it all).
    return hasData || event.event !== 'message' ? event : null;
  }
}

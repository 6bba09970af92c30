import type { CycleEvent, CycleResult } from '../agent/core/agent-core.js';
import type { WakeStatus } from '../agent/core/server-client.js';

/** The agent's log lines: one JSON object per line with --json, a short sentence otherwise. */

export type LogLine = { event: string; text: string } & Record<string, unknown>;
export type Logger = (line: LogLine) => void;

export function makeLogger(json: boolean): Logger {
  return ({ text, ...fields }) => {
    const at = new Date().toISOString();
    process.stdout.write(json ? `${JSON.stringify({ at, ...fields, text })}\n` : `${at} ${text}\n`);
  };
}

export function describeWake(status: WakeStatus): LogLine {
  switch (status.type) {
    case 'connected':
      return {
        event: 'push-connected',
        ...(status.server === undefined ? {} : { server: status.server }),
        text:
          status.server === undefined
            ? 'push channel connected'
            : `push channel connected to ${status.server}`,
      };
    case 'dropped':
      return {
        event: 'push-dropped',
        message: status.message,
        retryInMs: status.retryInMs,
        text: `push channel dropped (${status.message}); reconnecting in ${Math.ceil(status.retryInMs / 1000)}s`,
      };
  }
}

export function describeEvent(event: CycleEvent): LogLine {
  switch (event.type) {
    case 'enrolled':
      return {
        event: event.type,
        computerId: event.computerId,
        text: `enrolled as ${event.computerId}`,
      };
    case 'checked-in':
      return {
        event: event.type,
        computerId: event.computerId,
        assignments: event.assignments,
        text: `checked in: ${event.assignments} assignment(s)`,
      };
    case 'report': {
      const r = event.report;
      const detail = [r.reason, r.exitCode === null ? null : `exit ${r.exitCode}`, r.message]
        .filter((x) => x !== null)
        .join(', ');
      return {
        event: event.type,
        ...r,
        output: undefined,
        text: `${r.updateId}: ${r.state}${detail ? ` (${detail})` : ''}`,
      };
    }
    case 'awaiting-reboot':
      return {
        event: event.type,
        updateId: event.updateId,
        text: `${event.updateId}: waiting for a restart`,
      };
    case 'flushed':
      return { event: event.type, sent: event.sent, text: `sent ${event.sent} report(s)` };
    case 'flush-failed':
      return {
        event: event.type,
        message: event.message,
        text: `reports kept for later: ${event.message}`,
      };
    case 'quarantined':
      return {
        event: event.type,
        updateId: event.report.updateId,
        seq: event.report.seq,
        state: event.report.state,
        status: event.status,
        message: event.message,
        text: `report ${event.report.seq} (${event.report.updateId}: ${event.report.state}) refused by the server, set aside in outbox.json: ${event.message}`,
      };
    case 'credential-rejected':
      return {
        event: event.type,
        message: event.message,
        text: `the server refused our credential; enrolling again next cycle (${event.message})`,
      };
    case 'rejected':
      return {
        event: event.type,
        reason: event.rejection.reason,
        role: event.rejection.role,
        message: event.rejection.detail,
        text: `refused the server's answer (${event.rejection.reason}): ${event.rejection.detail}; nothing installed, the server is told at the next check-in`,
      };
    case 'absences-sent':
      return {
        event: event.type,
        absences: event.absences,
        text: `told the server: ${event.absences.map((e) => `${e.kind} ${e.from} → ${e.to}`).join('; ')}`,
      };
    case 'user-request':
      return {
        event: event.type,
        applied: event.outcome.applied,
        request: event.outcome.request,
        text: `local request ${event.outcome.applied ? 'applied' : 'ignored'}: ${event.outcome.note}`,
      };
    case 'dropped':
      return {
        event: event.type,
        updateId: event.updateId,
        text: `${event.updateId}: no longer assigned; dropped the pending install and its files`,
      };
    case 'restart':
      return {
        event: event.type,
        outcome: event.outcome,
        updates: event.updates,
        text: `restart for ${event.updates.join(', ')}: ${event.message}`,
      };
    case 'scanned':
      return {
        event: event.type,
        findings: event.findings,
        sent: event.sent,
        rulesFetched: event.rulesFetched,
        full: event.full,
        text: `scan: ${event.findings} update(s) looked at, ${event.sent} finding(s) sent${event.full ? ' (full scan, asked for)' : ''}${event.rulesFetched ? '; rules fetched' : ''}`,
      };
    case 'scan-failed':
      return {
        event: event.type,
        message: event.message,
        text: `scan not delivered (sent again next cycle): ${event.message}`,
      };
    case 'agent-trial':
      return { event: event.type, outcome: event.outcome, text: event.message };
    case 'agent-restart':
      return { event: event.type, text: `agent restarting: ${event.message}` };
  }
}

export function describeResult(result: CycleResult): LogLine {
  if (result.outcome === 'ok') {
    return {
      event: 'cycle',
      outcome: result.outcome,
      computerId: result.computerId,
      nextCheckinSeconds: result.nextCheckinSeconds,
      nextDueAt: result.nextDueAt,
      assignments: result.assignments,
      text: `cycle done; next check-in in about ${result.nextCheckinSeconds}s`,
    };
  }
  return {
    event: 'cycle',
    outcome: result.outcome,
    stage: result.stage,
    transient: result.transient,
    message: result.message,
    text: result.message,
  };
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

import type { ScanRule } from '../../contracts/scan.js';
import type { Inventory } from '../../contracts/inventory.js';
import { applies, scanDelta, type ScanFinding, type ScanResult } from '../../domain/scan.js';
import { detect } from './detect.js';
import type { DurableStore, Host } from './host.js';
import type { AgentCredential, ServerClient } from './server-client.js';

/**
 * The scan: every cycle the agent evaluates the detect rule of every catalog update
 * for its platform and tells the server what changed since the findings it last
 * acknowledged. The rules are fetched only when the check-in's version changes.
 */

/** What the agent keeps between scans (durable: a restart sends no full scan again). */
export interface ScanState {
  rulesVersion: string | null;
  rules: ScanRule[];
  /** The findings the server acknowledged, by update id. */
  acked: Record<string, ScanResult>;
  /** The last scan whose findings the server has all: told at the next check-in. */
  scannedAt: string | null;
}

const SCAN_KEY = 'scan';

export function emptyScanState(): ScanState {
  return { rulesVersion: null, rules: [], acked: {}, scannedAt: null };
}

export async function loadScanState(store: DurableStore): Promise<ScanState> {
  const raw = await store.get(SCAN_KEY);
  if (!raw) return emptyScanState();
  try {
    const value = JSON.parse(raw) as Partial<ScanState>;
    return {
      rulesVersion: typeof value.rulesVersion === 'string' ? value.rulesVersion : null,
      rules: Array.isArray(value.rules) ? value.rules : [],
      acked: typeof value.acked === 'object' && value.acked !== null ? value.acked : {},
      scannedAt: typeof value.scannedAt === 'string' ? value.scannedAt : null,
    };
  } catch {
    // Writes are atomic, so this is outside damage: the next scan sends everything.
    return emptyScanState();
  }
}

export interface ScanContext {
  host: Host;
  client: ServerClient;
  auth: AgentCredential;
  inventory: Inventory;
  /** The check-in's `scanRulesVersion`; undefined: the server has no scan. */
  version: string | undefined;
  /** Send every finding (an admin asked for a scan), not only the changes. */
  full: boolean;
  /** Updates whose install is still running: not looked at now. */
  busy: ReadonlySet<string>;
  now: () => Date;
}

export type ScanOutcome =
  | { kind: 'skipped' }
  | { kind: 'scanned'; findings: number; sent: number; rulesFetched: boolean }
  | { kind: 'failed'; message: string };

/** One scan. Throws nothing: a failed send is retried by the next cycle's scan. */
export async function runScan(ctx: ScanContext): Promise<ScanOutcome> {
  const { host, client, auth } = ctx;
  if (ctx.version === undefined || !client.scanRules || !client.scan) return { kind: 'skipped' };
  const state = await loadScanState(host.storage);
  let rulesFetched = false;
  try {
    if (state.rulesVersion !== ctx.version) {
      const fetched = await client.scanRules(auth);
      state.rules = fetched.rules;
      state.rulesVersion = fetched.version;
      const ids = new Set(fetched.rules.map((r) => r.updateId));
      for (const id of Object.keys(state.acked)) if (!ids.has(id)) delete state.acked[id];
      rulesFetched = true;
    }
    const findings: ScanFinding[] = [];
    for (const rule of state.rules) {
      if (ctx.busy.has(rule.updateId) || !applies(rule.platforms, ctx.inventory)) continue;
      findings.push(await evaluate(ctx, rule));
    }
    const scannedAt = ctx.now().toISOString();
    const delta = ctx.full ? findings : scanDelta(state.acked, findings);
    if (delta.length > 0) {
      await client.scan(auth, { scannedAt, full: ctx.full, findings: delta });
      for (const f of delta) state.acked[f.updateId] = f.result;
    }
    state.scannedAt = scannedAt;
    await host.storage.put(SCAN_KEY, JSON.stringify(state));
    return { kind: 'scanned', findings: findings.length, sent: delta.length, rulesFetched };
  } catch (error) {
    // Keep the rules fetched; what the server did not acknowledge goes next time.
    if (rulesFetched) await host.storage.put(SCAN_KEY, JSON.stringify(state));
    return { kind: 'failed', message: error instanceof Error ? error.message : String(error) };
  }
}

async function evaluate(ctx: ScanContext, rule: ScanRule): Promise<ScanFinding> {
  const { host } = ctx;
  const env = { RINGMASTER_UPDATE_ID: rule.updateId, RINGMASTER_COMPUTER_ID: ctx.auth.computerId };
  const workDir = await host.content.createWorkDir(rule.updateId);
  try {
    const outcome = await detect(host, rule.detect, workDir, env);
    switch (outcome.kind) {
      case 'installed':
        return { updateId: rule.updateId, result: 'found', message: null };
      case 'absent':
        return { updateId: rule.updateId, result: 'not-found', message: null };
      case 'error':
        return {
          updateId: rule.updateId,
          result: 'error',
          message: outcome.message.slice(0, 2000),
        };
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { updateId: rule.updateId, result: 'error', message: message.slice(0, 2000) };
  } finally {
    await host.content.removeWorkDir(rule.updateId);
  }
}

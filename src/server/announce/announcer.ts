import { createHmac } from 'node:crypto';
import type { Clock } from '../../domain/clock.js';
import {
  formatWhen,
  MAX_DELIVERY_ATTEMPTS,
  ownerAction,
  recipientsOf,
  remindersOf,
  retryDelayMs,
  scheduleLines,
  type Recipient,
  type ScheduleItem,
} from '../../domain/announce/schedule.js';
import {
  defaultTemplates,
  renderTemplate,
  type NotificationKind,
  type Template,
} from '../../domain/announce/template.js';
import { dryRun } from '../../domain/rollout/dry-run.js';
import { formatDuration } from '../../domain/rollout/duration.js';
import type {
  AnnounceRepository,
  NotificationRow,
  WebhookDeliveryRow,
} from '../../store/announce.repository.js';
import type { DeploymentRecord } from '../../store/deployment.records.js';
import type { DeploymentRepository } from '../../store/deployment.repository.js';
import type { DeploymentEventRow } from '../../store/event.repository.js';
import type { UpdateRecord, UpdateRepository } from '../../store/update.repository.js';
import type { GroupService } from '../services/group.service.js';
import { newId } from '../services/secrets.js';
import { calendarOf } from './ics.js';
import type { Mailer } from './mailer.js';

/** Who is told, how, and how often the announcer looks (`ringmaster server --notify-…`). */
export type AnnounceOptions = {
  /** null: no e-mail is queued (webhooks still are). */
  mailer: Mailer | null;
  /** Configured admin addresses, told every deployment's schedule. */
  admins: readonly string[];
  /** The time zone of admins, and of owners whose computers' groups have no window. */
  defaultTimeZone: string;
  /** Reminders (and the calendar alarm) this long before a phase's time. */
  reminderBeforeSeconds: number;
  /** Real milliseconds between passes; 0: no timer (tests call run()). */
  intervalMs: number;
};

export const DEFAULT_ANNOUNCE: AnnounceOptions = {
  mailer: null,
  admins: [],
  defaultTimeZone: 'UTC',
  reminderBeforeSeconds: 86_400,
  intervalMs: 1000,
};

/** Events are read from the cursor minus this: one committed late by another replica is still seen. */
const LATE_EVENT_MARGIN_MS = 5 * 60_000;
const EVENTS_PER_PASS = 200;
const SENDS_PER_PASS = 20;
/** A claimed row is someone's for this long; a process that dies frees it after. */
const LEASE_MS = 5 * 60_000;
const WEBHOOK_TIMEOUT_MS = 10_000;
/** A reminder of a halted deployment waits this long, then looks again. */
const HALTED_RECHECK_MS = 3_600_000;
const endedStates = new Set(['revoked', 'completed', 'rolling-back', 'rolled-back']);

/** The header of a webhook delivery's signature: `sha256=` and the hex HMAC-SHA256 of the body. */
export const SIGNATURE_HEADER = 'x-ringmaster-signature';

export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * Tells people what the deployments will do, in the background: it reads new deployment
 * events, queues e-mails (at approval, and reminders before each phase) and webhook
 * deliveries in the database, then sends what is due and retries failures with backoff.
 * Nothing here runs in a request or in the engine's tick; every replica may run it (rows
 * are claimed, and queued at most once per event and recipient).
 */
export class Announcer {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly repo: AnnounceRepository,
    private readonly deployments: DeploymentRepository,
    private readonly updates: UpdateRepository,
    private readonly groups: GroupService,
    private readonly clock: Clock,
    private readonly options: AnnounceOptions,
    private readonly onError: (error: unknown, message: string) => void,
  ) {}

  start(): void {
    if (this.timer || this.options.intervalMs <= 0) return;
    this.timer = setInterval(() => void this.run(), this.options.intervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
    this.options.mailer?.close();
  }

  /** One pass: queue what new events call for, then send what is due. Tests call it. */
  async run(): Promise<void> {
    if (this.running) return this.running;
    this.running = (async () => {
      for (const [step, what] of [
        [() => this.queueFromEvents(), 'announcing deployment events failed'],
        [() => this.sendNotifications(), 'sending notifications failed'],
        [() => this.sendDeliveries(), 'sending webhook deliveries failed'],
      ] as const) {
        try {
          await step();
        } catch (error) {
          this.onError(error, what);
        }
      }
    })();
    try {
      await this.running;
    } finally {
      this.running = null;
    }
  }

  /** The template of a kind: the admin's, or the built-in one. */
  async template(kind: NotificationKind): Promise<Template> {
    const row = await this.repo.template(kind);
    return row ? { subject: row.subject, text: row.text, html: row.html } : defaultTemplates[kind];
  }

  // --- queueing ----------------------------------------------------------------------

  private async queueFromEvents(): Promise<void> {
    const now = this.clock.now();
    let cursor = await this.repo.cursor();
    if (cursor === null) {
      // The first pass ever: what happened before this server announced is not told.
      await this.repo.setCursor(now);
      cursor = now;
    }
    const events = await this.repo.unannouncedEvents(
      cursor - LATE_EVENT_MARGIN_MS,
      EVENTS_PER_PASS,
    );
    const webhooks = events.length > 0 ? await this.repo.liveWebhooks() : [];
    let newest = cursor;
    for (const event of events) {
      const at = Number(event.at);
      const body = JSON.stringify({
        id: event.id,
        type: event.type,
        deploymentId: event.deployment_id,
        at: new Date(at).toISOString(),
        phase: event.phase,
        message: event.message,
        actor: event.actor,
      });
      await this.repo.queueDeliveries(
        webhooks
          .filter((w) => {
            const wanted = JSON.parse(w.events) as string[];
            return wanted.length === 0 || wanted.includes(event.type);
          })
          .map((w) => ({
            id: newId('dlv'),
            webhook_id: w.id,
            event_id: event.id,
            deployment_id: event.deployment_id,
            event_type: event.type,
            body,
            state: 'queued',
            next_attempt_at: now,
            created_at: now,
          })),
      );
      if (event.type === 'created' && this.options.mailer !== null) await this.queueApproval(event);
      await this.repo.markAnnounced(event.id, at);
      newest = Math.max(newest, at);
    }
    if (newest > cursor) await this.repo.setCursor(newest);
  }

  private async queueApproval(event: DeploymentEventRow): Promise<void> {
    const deployment = await this.deployments.find(event.deployment_id);
    if (!deployment) return;
    const updates: UpdateRecord[] = [];
    for (const id of deployment.updateIds) {
      const u = await this.updates.find(id);
      if (u) updates.push(u);
    }
    const computers = await this.groups.computersOf(deployment.groups);
    const emails = await this.repo.ownerEmails(computers.map((c) => c.id));
    const groupEmails = await this.groups.ownerEmailsByGroup();
    const windowsByGroup = await this.groups.windowsByGroup();
    const installTimeoutSeconds = Math.max(
      60,
      ...updates.map((u) => u.manifest.install.timeoutSeconds),
    );
    const schedule = dryRun({
      deploymentId: deployment.id,
      plan: deployment.plan,
      computers,
      windowsByGroup,
      installTimeoutSeconds,
      now: deployment.createdAt,
    });
    const recipients = recipientsOf({
      dryRun: schedule,
      owners: new Map(
        computers.map((c) => [
          c.id,
          {
            ownerEmail: emails.get(c.id) ?? groupOwnerEmail(c.groups, groupEmails),
            groups: c.groups,
          },
        ]),
      ),
      windowsByGroup,
      admins: this.options.admins,
      defaultTimeZone: this.options.defaultTimeZone,
    });
    const now = this.clock.now();
    const leadMs = this.options.reminderBeforeSeconds * 1000;
    const approved = await this.template('approved');
    const reminder = await this.template('reminder');
    const rows = [];
    for (const r of recipients) {
      const context = {
        deployment,
        updates,
        recipient: r,
        durationMs: installTimeoutSeconds * 1000,
      };
      rows.push(this.message(context, 'approved', approved, r.items, null, event.id, now, now));
      for (const due of remindersOf(r, leadMs, now)) {
        rows.push(
          this.message(
            context,
            'reminder',
            reminder,
            due.items,
            due.phase,
            `reminder:${deployment.id}:${due.phaseIndex}`,
            due.sendAt,
            now,
          ),
        );
      }
    }
    await this.repo.queueNotifications(rows);
  }

  private message(
    context: {
      deployment: DeploymentRecord;
      updates: UpdateRecord[];
      recipient: Recipient;
      durationMs: number;
    },
    kind: NotificationKind,
    template: Template,
    items: ScheduleItem[],
    phase: string | null,
    sourceKey: string,
    sendAt: number,
    now: number,
  ) {
    const { deployment, updates, recipient } = context;
    const tz = recipient.timeZone;
    const first = Math.min(...items.map((i) => i.at));
    const updateWords = updates.map((u) => `${u.id} (${u.title})`).join(', ');
    // No codes given: the installer kind's own table applies, and every kind has a restart code.
    // An agent update restarts the agent, not the computer.
    const restarts = updates.some(
      (u) =>
        u.manifest.install.kind !== 'agent' &&
        (u.manifest.install.rebootExitCodes?.length ?? 1) > 0,
    );
    const restart = restarts
      ? `The computer may restart after the install${deployment.plan.noAutoRestartWhileLoggedOn ? ', never while someone is logged on' : ''}.`
      : 'No restart follows the install.';
    const action =
      recipient.audience === 'owner'
        ? ownerAction(first, tz)
        : `Nothing, unless a gate asks for a promotion; follow it with "ringmaster deployment show ${deployment.id}". The computers' owners are told their own times.`;
    const rendered = renderTemplate(template, {
      deployment: deployment.id,
      updates: updateWords,
      phase: phase ?? [...new Set(items.map((i) => i.phase))].join(', '),
      when: formatWhen(first, tz),
      timezone: tz,
      schedule: scheduleLines(items, tz),
      restart,
      action,
      reminder: formatDuration(this.options.reminderBeforeSeconds),
    });
    const ics = calendarOf({
      uid: `${deployment.id}-${recipient.address}`,
      summary: `Install ${updates.map((u) => u.id).join(', ')}`,
      description: `${restart} ${action}`,
      items,
      timeZone: tz,
      durationMs: Math.max(context.durationMs, 15 * 60_000),
      alarmBeforeSeconds: this.options.reminderBeforeSeconds,
      stamp: now,
    });
    return {
      id: newId('ntf'),
      deployment_id: deployment.id,
      kind,
      phase,
      source_key: sourceKey,
      recipient: recipient.address,
      audience: recipient.audience,
      subject: rendered.subject,
      text_body: rendered.text,
      html_body: rendered.html,
      ics,
      state: 'queued',
      next_attempt_at: sendAt,
      created_at: now,
    };
  }

  // --- sending -----------------------------------------------------------------------

  private async sendNotifications(): Promise<void> {
    const mailer = this.options.mailer;
    if (mailer === null) return;
    const now = this.clock.now();
    const due = await this.repo.claimDueNotifications(now, now + LEASE_MS, SENDS_PER_PASS);
    for (const row of due) await this.sendOne(mailer, row);
  }

  private async sendOne(mailer: Mailer, row: NotificationRow): Promise<void> {
    if (row.kind === 'reminder') {
      const deployment = await this.deployments.find(row.deployment_id);
      if (!deployment || endedStates.has(deployment.state)) {
        await this.repo.notificationCancelled(
          row.id,
          `the deployment is ${deployment?.state ?? 'gone'}: nothing to remind of`,
        );
        return;
      }
      if (deployment.state === 'halted') {
        await this.repo.notificationLater(row.id, this.clock.now() + HALTED_RECHECK_MS);
        return;
      }
    }
    try {
      await mailer.send({
        to: row.recipient,
        subject: row.subject,
        text: row.text_body,
        html: row.html_body,
        ics: row.ics,
      });
      await this.repo.notificationSent(row.id, this.clock.now());
    } catch (error) {
      const attempts = Number(row.attempts) + 1;
      await this.repo.notificationFailed(
        row.id,
        (error as Error).message,
        attempts >= MAX_DELIVERY_ATTEMPTS ? null : this.clock.now() + retryDelayMs(attempts),
      );
    }
  }

  private async sendDeliveries(): Promise<void> {
    const now = this.clock.now();
    const due = await this.repo.claimDueDeliveries(now, now + LEASE_MS, SENDS_PER_PASS);
    await Promise.all(due.map((row) => this.deliver(row)));
  }

  private async deliver(row: WebhookDeliveryRow): Promise<void> {
    const webhook = await this.repo.findWebhook(row.webhook_id);
    if (!webhook || webhook.removed_at !== null) {
      await this.repo.deliveryFailed(row.id, null, 'webhook removed', null);
      return;
    }
    const attempts = Number(row.attempts) + 1;
    const retryAt = () =>
      attempts >= MAX_DELIVERY_ATTEMPTS ? null : this.clock.now() + retryDelayMs(attempts);
    try {
      const res = await fetch(webhook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Ringmaster-Webhook',
          'x-ringmaster-event': row.event_type,
          'x-ringmaster-delivery': row.id,
          [SIGNATURE_HEADER]: signBody(webhook.secret, row.body),
        },
        body: row.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      });
      await res.body?.cancel();
      if (res.status >= 200 && res.status < 300) {
        await this.repo.deliveryDone(row.id, res.status, this.clock.now());
      } else {
        await this.repo.deliveryFailed(row.id, res.status, `HTTP ${res.status}`, retryAt());
      }
    } catch (error) {
      const cause = (error as Error & { cause?: Error }).cause?.message;
      await this.repo.deliveryFailed(
        row.id,
        null,
        `${(error as Error).message}${cause ? `: ${cause}` : ''}`,
        retryAt(),
      );
    }
  }
}

/**
 * Who is told for a computer that reports no owner e-mail: the owner e-mail of its first
 * group by name that sets one, or nobody.
 */
export function groupOwnerEmail(
  groups: readonly string[],
  byGroup: ReadonlyMap<string, string>,
): string | null {
  for (const g of [...groups].sort()) {
    const email = byGroup.get(g);
    if (email !== undefined) return email;
  }
  return null;
}

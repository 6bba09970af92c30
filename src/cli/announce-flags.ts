import { CliError } from './output.js';
import type { SmtpOptions } from '../server/announce/mailer.js';

export type AnnounceFlags = {
  smtpHost?: string;
  smtpPort?: string;
  smtpTls?: boolean;
  smtpRequireStarttls?: boolean;
  smtpUser?: string;
  smtpPassword?: string;
  mailFrom?: string;
  notifyAdmins?: string;
  notifyTimezone: string;
  /** Seconds (parsed by durationOption). */
  reminderBefore: number;
};

export type AnnounceSettings = {
  smtp: SmtpOptions | null;
  admins: string[];
  defaultTimeZone: string;
  reminderBeforeSeconds: number;
};

const emailShape = /^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/;

/**
 * Who is told deployments' schedules, and through which SMTP server, from the server's
 * flags. Without --smtp-host no e-mail is queued (webhooks work regardless). The
 * password may come from RINGMASTER_SMTP_PASSWORD, so it need not show in the process list.
 */
export function announceSettings(flags: AnnounceFlags): AnnounceSettings {
  const admins = (flags.notifyAdmins ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a.length > 0);
  for (const a of admins) {
    if (!emailShape.test(a))
      throw new CliError(`--notify-admins: "${a}" is not an e-mail address`, 2);
  }
  try {
    new Intl.DateTimeFormat('en', { timeZone: flags.notifyTimezone });
  } catch {
    throw new CliError(
      `--notify-timezone: "${flags.notifyTimezone}" is not an IANA time zone, e.g. Europe/Paris or UTC`,
      2,
    );
  }
  const base = {
    admins,
    defaultTimeZone: flags.notifyTimezone,
    reminderBeforeSeconds: flags.reminderBefore,
  };
  const host = flags.smtpHost ?? process.env.RINGMASTER_SMTP_HOST;
  if (host === undefined || host === '') {
    const stray = flags.mailFrom ?? flags.smtpUser ?? flags.smtpPort ?? flags.notifyAdmins;
    if (stray !== undefined)
      throw new CliError('the --smtp-*, --mail-from and --notify-admins flags need --smtp-host', 2);
    return { ...base, smtp: null };
  }
  if (!flags.mailFrom || !emailShape.test(flags.mailFrom)) {
    throw new CliError('--smtp-host needs --mail-from ADDRESS (the From: of every e-mail)', 2);
  }
  const secure = flags.smtpTls === true;
  const port = Number(flags.smtpPort ?? (secure ? '465' : '587'));
  if (!Number.isInteger(port) || port <= 0 || port > 65_535) {
    throw new CliError(`--smtp-port must be a TCP port, not "${flags.smtpPort}"`, 2);
  }
  const user = flags.smtpUser ?? process.env.RINGMASTER_SMTP_USER;
  const password = flags.smtpPassword ?? process.env.RINGMASTER_SMTP_PASSWORD;
  if (user === undefined && password !== undefined) {
    throw new CliError('an SMTP password needs --smtp-user', 2);
  }
  return {
    ...base,
    smtp: {
      host,
      port,
      secure,
      requireTls: flags.smtpRequireStarttls === true,
      user,
      password,
      from: flags.mailFrom,
    },
  };
}

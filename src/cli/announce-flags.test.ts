import { afterEach, describe, expect, it, vi } from 'vitest';
import { announceSettings } from './announce-flags.js';

const base = { notifyTimezone: 'UTC', reminderBefore: 86_400 };

describe('the server e-mail flags', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('send no e-mail without --smtp-host, and refuse its companions alone', () => {
    vi.stubEnv('RINGMASTER_SMTP_HOST', '');
    expect(announceSettings(base)).toEqual({
      smtp: null,
      admins: [],
      defaultTimeZone: 'UTC',
      reminderBeforeSeconds: 86_400,
    });
    expect(() => announceSettings({ ...base, mailFrom: 'rm@example.com' })).toThrow(
      /need --smtp-host/,
    );
  });

  it('take port 465 with --smtp-tls, 587 otherwise, and the password from the environment', () => {
    vi.stubEnv('RINGMASTER_SMTP_PASSWORD', 'p4ss');
    const flags = {
      ...base,
      smtpHost: 'mail.example.com',
      smtpUser: 'rm',
      mailFrom: 'rm@example.com',
      notifyAdmins: 'ops@example.com, it@example.com',
      notifyTimezone: 'Europe/Paris',
    };
    expect(announceSettings({ ...flags, smtpTls: true })).toEqual({
      smtp: {
        host: 'mail.example.com',
        port: 465,
        secure: true,
        requireTls: false,
        user: 'rm',
        password: 'p4ss',
        from: 'rm@example.com',
      },
      admins: ['ops@example.com', 'it@example.com'],
      defaultTimeZone: 'Europe/Paris',
      reminderBeforeSeconds: 86_400,
    });
    expect(announceSettings(flags).smtp?.port).toBe(587);
  });

  it('refuse a bad address, time zone or port with exit 2', () => {
    const smtp = { ...base, smtpHost: 'mail.example.com', mailFrom: 'rm@example.com' };
    expect(() => announceSettings({ ...smtp, notifyAdmins: 'ops' })).toThrow(
      /"ops" is not an e-mail address/,
    );
    expect(() => announceSettings({ ...smtp, notifyTimezone: 'Mars/Olympus' })).toThrow(
      /not an IANA time zone/,
    );
    expect(() => announceSettings({ ...smtp, smtpPort: '99999' })).toThrow(/TCP port/);
    expect(() => announceSettings({ ...smtp, mailFrom: undefined })).toThrow(/--mail-from/);
  });
});

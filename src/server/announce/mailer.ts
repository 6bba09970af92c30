import nodemailer from 'nodemailer';

/** How the server sends e-mail (`ringmaster server --smtp-host …`). */
export type SmtpOptions = {
  host: string;
  port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  secure: boolean;
  /** Refuse to send unless the connection is upgraded with STARTTLS. */
  requireTls: boolean;
  user?: string | undefined;
  password?: string | undefined;
  /** The From: address. */
  from: string;
};

export type Mail = {
  to: string;
  subject: string;
  text: string;
  html: string;
  ics: string | null;
};

export type Mailer = { send(mail: Mail): Promise<void>; close(): void };

/** SMTP through nodemailer; the calendar event goes as an .ics attachment. */
export function smtpMailer(options: SmtpOptions): Mailer {
  const transport = nodemailer.createTransport({
    host: options.host,
    port: options.port,
    secure: options.secure,
    requireTLS: options.requireTls,
    ...(options.user !== undefined && {
      auth: { user: options.user, pass: options.password ?? '' },
    }),
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 60_000,
  });
  return {
    async send(mail) {
      await transport.sendMail({
        from: options.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        ...(mail.ics !== null && {
          attachments: [
            {
              filename: 'rollout.ics',
              content: mail.ics,
              contentType: 'text/calendar; charset=utf-8; method=PUBLISH',
            },
          ],
        }),
      });
    },
    close: () => transport.close(),
  };
}

import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { waitFor } from './wait.js';

export type MailSink = {
  port: number;
  mails: ParsedMail[];
  /** The mails to `address`, once `count` of them have arrived. */
  to(address: string, count?: number): Promise<ParsedMail[]>;
  /** Refuse (or accept again) every message with a 451. */
  refuse(refusing: boolean): void;
  close(): Promise<void>;
};

/** A real SMTP server on loopback that parses every message it takes. */
export async function startMailSink(): Promise<MailSink> {
  const mails: ParsedMail[] = [];
  let refusing = false;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      if (refusing) {
        stream.resume();
        stream.on('end', () =>
          callback(Object.assign(new Error('try later'), { responseCode: 451 })),
        );
        return;
      }
      simpleParser(stream)
        .then((mail) => {
          mails.push(mail);
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const toAddress = (m: ParsedMail, a: string) =>
    (Array.isArray(m.to) ? m.to : m.to ? [m.to] : []).some((t) =>
      t.value.some((v) => v.address === a),
    );
  return {
    port,
    mails,
    async to(addr, count = 1) {
      await waitFor(
        `${count} mail(s) to ${addr}`,
        () => mails.filter((m) => toAddress(m, addr)).length >= count,
        30_000,
        20,
      );
      return mails.filter((m) => toAddress(m, addr));
    },
    refuse: (r) => {
      refusing = r;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

import { hash, verify } from '@node-rs/argon2';

/** Passwords are stored as argon2id hashes (the library's default parameters). */
export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

// Checked against when the user does not exist, so a wrong name costs what a wrong password does.
let dummy: Promise<string> | undefined;

/** Whether `password` matches `stored`; with no stored hash, the same work and false. */
export async function checkPassword(stored: string | null, password: string): Promise<boolean> {
  if (stored === null) {
    dummy ??= hash('no such user: the same work as a wrong password');
    await verify(await dummy, password).catch(() => false);
    return false;
  }
  return verify(stored, password).catch(() => false);
}

import { readFileSync } from 'node:fs';

// src/version.ts and dist/version.js both sit one level below package.json.
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/** Ringmaster's version, from package.json: the server, the agent and the CLI report it. */
export const version: string = pkg.version;

import { readFileSync } from 'node:fs';

/** The agent's package version (src/ and dist/ both sit one level below package.json). */
export const AGENT_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

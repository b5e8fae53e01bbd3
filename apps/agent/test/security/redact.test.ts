import { describe, expect, it } from 'vitest';
import {
  createRedactor,
  DEFAULT_SECRET_NAMES,
  MASK,
  parseRedactSetting,
} from '../../src/security/redact.js';

const redact = createRedactor({ mode: 'default', names: [] }, ['the-agent-token-123']);
const M = MASK;

describe('createRedactor with the default names', () => {
  it.each([
    [
      ['sh', '-c', 'sleep 60', 'x', '--password=hunter2', '--api-key', 'abc'],
      ['sh', '-c', 'sleep 60', 'x', `--password=${M}`, '--api-key', M],
    ],
    [
      ['mysql', '-uroot', '-phunter2', 'db'],
      ['mysql', '-uroot', `-p${M}`, 'db'],
    ],
    [
      ['/usr/bin/mysqldump', '-p', 'db'],
      ['/usr/bin/mysqldump', '-p', 'db'],
    ],
    [
      ['ssh', '-p', '22', 'host'],
      ['ssh', '-p', '22', 'host'],
    ],
    [
      ['docker', 'run', '-p8080:80', 'img'],
      ['docker', 'run', '-p8080:80', 'img'],
    ],
    [
      ['env', 'PGPASSWORD=s3cret', 'psql', '-h', 'db'],
      ['env', `PGPASSWORD=${M}`, 'psql', '-h', 'db'],
    ],
    [
      ['MYSQL_PWD=x', 'mysql'],
      [`MYSQL_PWD=${M}`, 'mysql'],
    ],
    [
      ['git', 'clone', 'https://user:pass@example.com/r.git'],
      ['git', 'clone', `https://user:${M}@example.com/r.git`],
    ],
    [
      ['psql', 'postgres://app:pw@db:5432/x'],
      ['psql', `postgres://app:${M}@db:5432/x`],
    ],
    [
      ['curl', '-H', 'Authorization: Bearer abc.def', 'http://x'],
      ['curl', '-H', `Authorization: ${M}`, 'http://x'],
    ],
    [
      ['app', '--client_secret', 'abc', '--verbose'],
      ['app', '--client_secret', M, '--verbose'],
    ],
    [
      ['app', '--auth-token=zzz', '--private-key', '/k.pem'],
      ['app', `--auth-token=${M}`, '--private-key', M],
    ],
    [
      ['app', '--ACCESS_KEY', 'AKIA', '--credentials-file=/c'],
      ['app', '--ACCESS_KEY', M, `--credentials-file=${M}`],
    ],
    [
      ['app', '--token', '--next'],
      ['app', '--token', '--next'],
    ],
    [
      ['node', 'main.js', '--token', 'the-agent-token-123'],
      ['node', 'main.js', '--token', M],
    ],
    [
      ['npm', 'start', '--', '--token=the-agent-token-123'],
      ['npm', 'start', '--', `--token=${M}`],
    ],
    [
      ['echo', 'xthe-agent-token-123y'],
      ['echo', `x${M}y`],
    ],
    [
      ['sh', '-c', 'mysql --password=hunter2 db && PGPASSWORD=x psql'],
      ['sh', '-c', `mysql --password=${M} db && PGPASSWORD=${M} psql`],
    ],
    [
      ['sh', '-c', 'run --secret hunter2 now'],
      ['sh', '-c', `run --secret ${M} now`],
    ],
    [
      ['sleep', '60'],
      ['sleep', '60'],
    ],
    [[], []],
  ])('%j', (argv, expected) => {
    expect(redact(argv)).toEqual(expected);
  });

  it('hands back the very same array when nothing is secret', () => {
    const argv = ['sleep', '60'];
    expect(redact(argv)).toBe(argv);
  });

  it('never leaves a secret value anywhere in the output', () => {
    const out = redact(['x', '--password=hunter2', '--api-key', 'abc123', 'https://u:pw9@h']).join(
      ' ',
    );
    for (const secret of ['hunter2', 'abc123', 'pw9']) expect(out).not.toContain(secret);
  });
});

describe('PIDSCOPE_REDACT', () => {
  it('extends, replaces or turns off the default names', () => {
    const extend = parseRedactSetting('+vault,db_key');
    expect(extend).toEqual({ mode: 'extend', names: ['vault', 'db-key'] });
    const extended = createRedactor(extend as never);
    expect(extended(['a', '--vault=v', '--db-key', 'k', '--password=p'])).toEqual([
      'a',
      `--vault=${M}`,
      '--db-key',
      M,
      `--password=${M}`,
    ]);

    const replaced = createRedactor(parseRedactSetting('vault') as never);
    expect(replaced(['a', '--vault=v', '--password=p'])).toEqual([
      'a',
      `--vault=${M}`,
      '--password=p',
    ]);

    const off = createRedactor(parseRedactSetting('off') as never, ['the-agent-token-123']);
    const argv = ['a', '--password=p', 'https://u:p@h'];
    expect(off(argv)).toBe(argv);

    expect(parseRedactSetting('+')).toMatch(/not off/);
    expect(parseRedactSetting('a b')).toMatch(/other characters/);
    expect(DEFAULT_SECRET_NAMES).toContain('password');
  });
});

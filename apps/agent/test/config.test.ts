import { describe, expect, it } from 'vitest';
import { ConfigError, listenUrl, loadConfig, parseDockerHost } from '../src/config.js';

describe('loadConfig', () => {
  it('uses the documented defaults and generates a token', () => {
    const c = loadConfig([], {});
    expect(c).toMatchObject({
      host: '127.0.0.1',
      port: 7070,
      intervalMs: 1000,
      procRoot: '/proc',
      readOnly: false,
      dockerHost: 'unix:///var/run/docker.sock',
      docker: { kind: 'socket', socketPath: '/var/run/docker.sock' },
      tokenGenerated: true,
    });
    expect(c.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(loadConfig([], {}).token).not.toBe(c.token);
  });

  it('reads the environment, and flags win over it', () => {
    const env = {
      PIDSCOPE_HOST: '0.0.0.0',
      PIDSCOPE_PORT: '8080',
      PIDSCOPE_TOKEN: 'from-env-token',
      PIDSCOPE_INTERVAL_MS: '500',
      PIDSCOPE_READ_ONLY: '1',
      DOCKER_HOST: 'tcp://127.0.0.1:2375',
    };
    const fromEnv = loadConfig([], env);
    expect(fromEnv).toMatchObject({
      host: '0.0.0.0',
      port: 8080,
      token: 'from-env-token',
      tokenGenerated: false,
      intervalMs: 500,
      readOnly: true,
      docker: { kind: 'tcp', host: '127.0.0.1', port: 2375, protocol: 'http' },
    });
    const fromFlags = loadConfig(
      ['--port=9090', '--interval-ms', '2000', '--token', 'flag-token-1'],
      env,
    );
    expect(fromFlags).toMatchObject({ port: 9090, intervalMs: 2000, token: 'flag-token-1' });
    expect(loadConfig(['--read-only'], {}).readOnly).toBe(true);
    expect(loadConfig(['--port', '0'], {}).port).toBe(0);
  });

  it.each([
    [[], { PIDSCOPE_PORT: 'abc' }, 'PIDSCOPE_PORT: "abc" is not a port (0-65535)'],
    [['--port', '65536'], {}, '--port: "65536" is not a port (0-65535)'],
    [['--port', '-1'], {}, '--port: "-1" is not a port (0-65535)'],
    [
      [],
      { PIDSCOPE_INTERVAL_MS: '10' },
      'PIDSCOPE_INTERVAL_MS: "10" is not an interval (50-3600000 ms)',
    ],
    [['--interval-ms', '1.5'], {}, '--interval-ms: "1.5" is not an interval (50-3600000 ms)'],
    [
      [],
      { PIDSCOPE_READ_ONLY: 'maybe' },
      'PIDSCOPE_READ_ONLY: "maybe" is not a boolean (1/0, true/false, yes/no)',
    ],
    [
      [],
      { DOCKER_HOST: 'ssh://host' },
      'DOCKER_HOST: "ssh://host" is not unix:///path or tcp://host:port',
    ],
    [
      ['--proc-root', '/nonexistent-proc'],
      {},
      '--proc-root: "/nonexistent-proc" is not a procfs mount (no stat file in it)',
    ],
    [
      ['--token', 'short'],
      {},
      '--token: "<hidden>" is not a usable token (8+ characters, no spaces)',
    ],
    [['--host', 'bad host!'], {}, '--host: "bad host!" is not an IP address or host name'],
  ])('rejects %j %j naming the setting', (argv, env, message) => {
    expect(() => loadConfig(argv, env)).toThrow(new ConfigError(message));
  });

  it('rejects unknown options and flags without a value', () => {
    expect(() => loadConfig(['--prot', '1'], {})).toThrow(/unknown option "--prot"/);
    expect(() => loadConfig(['--port'], {})).toThrow('--port needs a value');
  });
});

describe('parseDockerHost', () => {
  it.each([
    ['unix:///run/docker.sock', { kind: 'socket', socketPath: '/run/docker.sock' }],
    ['/tmp/d.sock', { kind: 'socket', socketPath: '/tmp/d.sock' }],
    ['tcp://127.0.0.1:2375', { kind: 'tcp', protocol: 'http', host: '127.0.0.1', port: 2375 }],
    [
      'https://docker.example:2376',
      { kind: 'tcp', protocol: 'https', host: 'docker.example', port: 2376 },
    ],
    ['tcp://[::1]:2375', { kind: 'tcp', protocol: 'http', host: '::1', port: 2375 }],
  ])('%s', (text, expected) => {
    expect(parseDockerHost('DOCKER_HOST', text)).toEqual(expected);
  });
});

describe('listenUrl', () => {
  it('is the URL a person opens, token included and encoded', () => {
    expect(listenUrl('127.0.0.1', 7070, 'abc')).toBe('http://127.0.0.1:7070/?token=abc');
    expect(listenUrl('::1', 80, 'a+b')).toBe('http://[::1]:80/?token=a%2Bb');
  });
});

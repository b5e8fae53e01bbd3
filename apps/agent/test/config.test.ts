import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, listenUrl, loadConfig, parseDockerHost } from '../src/config.js';
import { tempDir } from './helpers/tempDir.js';

describe('loadConfig', () => {
  it('uses the documented defaults and generates a token', () => {
    const c = loadConfig([], {});
    expect(c).toMatchObject({
      host: '127.0.0.1',
      port: 7070,
      intervalMs: 1000,
      rescanMs: 15_000,
      source: 'auto',
      eventBufferBytes: 8 * 1024 * 1024,
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
      PIDSCOPE_RESCAN_MS: '60000',
      PIDSCOPE_SOURCE: 'polling',
      PIDSCOPE_EVENT_BUFFER_BYTES: '4096',
      PIDSCOPE_READ_ONLY: '1',
      DOCKER_HOST: 'tcp://127.0.0.1:2375',
      PIDSCOPE_INSECURE: '1',
    };
    const fromEnv = loadConfig([], env);
    expect(fromEnv).toMatchObject({
      host: '0.0.0.0',
      port: 8080,
      token: 'from-env-token',
      tokenGenerated: false,
      intervalMs: 500,
      rescanMs: 60_000,
      source: 'polling',
      eventBufferBytes: 4096,
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
      { PIDSCOPE_RESCAN_MS: '999' },
      'PIDSCOPE_RESCAN_MS: "999" is not a rescan interval (1000-86400000 ms)',
    ],
    [['--source', 'inotify'], {}, '--source: "inotify" is not a source (auto or polling)'],
    [
      ['--event-buffer-bytes', '0'],
      {},
      '--event-buffer-bytes: "0" is not a buffer size (1-1073741824 bytes)',
    ],
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
    [[], { PIDSCOPE_DEMO_MAX: '0' }, 'PIDSCOPE_DEMO_MAX: "0" is not a number of demos (1-50)'],
    [
      ['--demo-lifetime-ms', '1e3'],
      {},
      '--demo-lifetime-ms: "1e3" is not a demo lifetime (1-86400000 ms)',
    ],
  ])('rejects %j %j naming the setting', (argv, env, message) => {
    expect(() => loadConfig(argv, env)).toThrow(new ConfigError(message));
  });

  it('holds the demo limits: 6 at once for 10 minutes unless set', () => {
    expect(loadConfig([], {})).toMatchObject({ demoMax: 6, demoLifetimeMs: 600_000 });
    expect(
      loadConfig(['--demo-max', '2'], {
        PIDSCOPE_DEMO_MAX: '9',
        PIDSCOPE_DEMO_LIFETIME_MS: '1500',
      }),
    ).toMatchObject({ demoMax: 2, demoLifetimeMs: 1500 });
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
    expect(listenUrl('127.0.0.1', 7070, null, true)).toBe('https://127.0.0.1:7070/');
  });
});

describe('security settings', () => {
  it('refuses a non-loopback address without TLS unless PIDSCOPE_INSECURE=1, saying how', () => {
    expect(() => loadConfig(['--host', '0.0.0.0'], {})).toThrow(
      /PIDSCOPE_TLS_CERT and PIDSCOPE_TLS_KEY\), or set PIDSCOPE_INSECURE=1/,
    );
    expect(() => loadConfig([], { PIDSCOPE_HOST: '10.1.2.3' })).toThrow(/not a loopback address/);
    expect(loadConfig(['--host', '0.0.0.0'], { PIDSCOPE_INSECURE: '1' }).host).toBe('0.0.0.0');
    for (const host of ['127.0.0.1', '127.3.4.5', '::1', 'localhost']) {
      expect(loadConfig(['--host', host], {}).host).toBe(host);
    }
  });

  it('reads TLS files (both or neither, PEM) and the token from a file', () => {
    const dir = tempDir('pidscope-config-');
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    writeFileSync(cert, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    writeFileSync(key, '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n');
    const c = loadConfig(['--host', '0.0.0.0'], { PIDSCOPE_TLS_CERT: cert, PIDSCOPE_TLS_KEY: key });
    expect(c.tls?.cert.toString()).toContain('BEGIN CERTIFICATE');
    expect(() => loadConfig([], { PIDSCOPE_TLS_CERT: cert })).toThrow(/needs both/);
    expect(() => loadConfig([], { PIDSCOPE_TLS_CERT: key, PIDSCOPE_TLS_KEY: key })).toThrow(
      /PIDSCOPE_TLS_CERT: ".*" holds no PEM CERTIFICATE/,
    );
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'from-a-file-123\n');
    expect(loadConfig([], { PIDSCOPE_TOKEN_FILE: tokenFile })).toMatchObject({
      token: 'from-a-file-123',
      tokenGenerated: false,
    });
    expect(() =>
      loadConfig(['--token-file', tokenFile], { PIDSCOPE_TOKEN: 'another-token' }),
    ).toThrow(/both set/);
    expect(() => loadConfig([], { PIDSCOPE_TOKEN_FILE: join(dir, 'missing') })).toThrow(
      /cannot be read \(ENOENT\)/,
    );
  });

  it('reads the allowed hosts, the metrics switch and the redaction setting', () => {
    const c = loadConfig([], {
      PIDSCOPE_ALLOWED_HOSTS: 'Pidscope.Internal, [fd00::1]:7070 ,node7.',
      PIDSCOPE_METRICS_AUTH: '1',
      PIDSCOPE_REDACT: '+vault,db_key',
    });
    expect(c.allowedHosts).toEqual(['pidscope.internal', '[fd00::1]', 'node7']);
    expect(c.metricsAuth).toBe(true);
    expect(c.redact).toEqual({ mode: 'extend', names: ['vault', 'db-key'] });
    expect(loadConfig([], { PIDSCOPE_ALLOWED_HOSTS: '*' }).allowedHosts).toBeNull();
    expect(loadConfig([], { PIDSCOPE_REDACT: 'off' }).redact.mode).toBe('off');
    expect(() => loadConfig([], { PIDSCOPE_ALLOWED_HOSTS: 'a/b' })).toThrow(/invalid host "a\/b"/);
    expect(() => loadConfig([], { PIDSCOPE_REDACT: 'pass word' })).toThrow(/PIDSCOPE_REDACT/);
  });
});

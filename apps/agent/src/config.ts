import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { hostName } from './security/hostAllowlist.js';
import { parseRedactSetting, type RedactSetting } from './security/redact.js';

/** Where the Docker Engine API answers: a unix socket or a TCP address. */
export type DockerEndpoint =
  | { kind: 'socket'; socketPath: string }
  | { kind: 'tcp'; protocol: 'http' | 'https'; host: string; port: number };

/** The agent's settings, validated once at boot. */
export interface Config {
  host: string;
  port: number;
  token: string;
  /** True when the token was generated at start (and must be printed to be usable). */
  tokenGenerated: boolean;
  /** Host names (lower case, IPv6 in brackets) a request may name besides loopback; null: any. */
  allowedHosts: string[] | null;
  /** /metrics needs the token too. */
  metricsAuth: boolean;
  /** Which command-line secrets are replaced before a command line leaves the agent. */
  redact: RedactSetting;
  /** PEM certificate chain and key: HTTPS and WSS instead of HTTP and WS. */
  tls: { cert: Buffer; key: Buffer } | null;
  intervalMs: number;
  procRoot: string;
  readOnly: boolean;
  /** The DOCKER_HOST text as given (or the default socket URL). */
  dockerHost: string;
  docker: DockerEndpoint;
  /** JSON-lines audit file for actions. */
  auditFile: string;
  /** Built web UI served at /; null serves a "not built" page. */
  webRoot: string | null;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

interface Setting {
  flag: string;
  env: string;
  boolean?: boolean;
}

const SETTINGS = {
  host: { flag: '--host', env: 'PIDSCOPE_HOST' },
  port: { flag: '--port', env: 'PIDSCOPE_PORT' },
  token: { flag: '--token', env: 'PIDSCOPE_TOKEN' },
  tokenFile: { flag: '--token-file', env: 'PIDSCOPE_TOKEN_FILE' },
  allowedHosts: { flag: '--allowed-hosts', env: 'PIDSCOPE_ALLOWED_HOSTS' },
  metricsAuth: { flag: '--metrics-auth', env: 'PIDSCOPE_METRICS_AUTH', boolean: true },
  redact: { flag: '--redact', env: 'PIDSCOPE_REDACT' },
  tlsCert: { flag: '--tls-cert', env: 'PIDSCOPE_TLS_CERT' },
  tlsKey: { flag: '--tls-key', env: 'PIDSCOPE_TLS_KEY' },
  insecure: { flag: '--insecure', env: 'PIDSCOPE_INSECURE', boolean: true },
  intervalMs: { flag: '--interval-ms', env: 'PIDSCOPE_INTERVAL_MS' },
  procRoot: { flag: '--proc-root', env: 'PIDSCOPE_PROC_ROOT' },
  readOnly: { flag: '--read-only', env: 'PIDSCOPE_READ_ONLY', boolean: true },
  dockerHost: { flag: '--docker-host', env: 'DOCKER_HOST' },
  auditFile: { flag: '--audit-file', env: 'PIDSCOPE_AUDIT_FILE' },
  webRoot: { flag: '--web-root', env: 'PIDSCOPE_WEB_ROOT' },
} as const satisfies Record<string, Setting>;

type SettingName = keyof typeof SETTINGS;

export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';
const DEFAULT_WEB_ROOT = resolve(import.meta.dirname, '..', '..', 'web', 'dist');

export const USAGE = `usage: pidscope [options]
  --host <addr>         PIDSCOPE_HOST         listen address (127.0.0.1)
  --port <n>            PIDSCOPE_PORT         listen port, 0 picks a free one (7070)
  --token-file <path>   PIDSCOPE_TOKEN_FILE   file holding the token (preferred: argv is visible)
                        PIDSCOPE_TOKEN        the token itself (generated and printed when unset)
  --token <text>                              the token on the command line (any local user sees it)
  --allowed-hosts <a,b> PIDSCOPE_ALLOWED_HOSTS Host names accepted besides loopback; * accepts any
  --metrics-auth        PIDSCOPE_METRICS_AUTH /metrics needs the token too
  --redact <list|off>   PIDSCOPE_REDACT       secret names redacted in command lines (+a,b extends)
  --tls-cert <file>     PIDSCOPE_TLS_CERT     PEM certificate: serve HTTPS and WSS
  --tls-key <file>      PIDSCOPE_TLS_KEY      PEM private key of that certificate
  --insecure            PIDSCOPE_INSECURE     allow plain HTTP on a non-loopback address
  --interval-ms <n>     PIDSCOPE_INTERVAL_MS  scan interval in ms (1000)
  --proc-root <dir>     PIDSCOPE_PROC_ROOT    procfs mount to read (/proc)
  --read-only           PIDSCOPE_READ_ONLY    refuse every action
  --docker-host <url>   DOCKER_HOST           unix:///path or tcp://host:port (${DEFAULT_DOCKER_HOST})
  --audit-file <path>   PIDSCOPE_AUDIT_FILE   JSON-lines audit log (.pidscope/audit.jsonl)
  --web-root <dir>      PIDSCOPE_WEB_ROOT     built web UI (apps/web/dist)`;

/** Splits argv into `{flag: value}`; `--flag=value` and `--flag value` both work. */
function parseArgv(argv: readonly string[]): Map<SettingName, string> {
  const byFlag = new Map<string, SettingName>(
    Object.entries(SETTINGS).map(([name, s]) => [s.flag, name as SettingName]),
  );
  const out = new Map<SettingName, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    const name = byFlag.get(flag);
    if (!name) throw new ConfigError(`unknown option ${JSON.stringify(arg)}\n${USAGE}`);
    const setting: Setting = SETTINGS[name];
    if (eq !== -1) {
      out.set(name, arg.slice(eq + 1));
    } else if (setting.boolean) {
      out.set(name, 'true');
    } else {
      const value = argv[i + 1];
      if (value === undefined) throw new ConfigError(`${flag} needs a value`);
      out.set(name, value);
      i++;
    }
  }
  return out;
}

function fail(label: string, raw: string, why: string): never {
  throw new ConfigError(`${label}: ${JSON.stringify(raw)} ${why}`);
}

function parseInteger(label: string, raw: string, min: number, max: number, what: string): number {
  if (!/^\d+$/.test(raw.trim())) fail(label, raw, `is not ${what}`);
  const n = Number(raw.trim());
  if (n < min || n > max) fail(label, raw, `is not ${what}`);
  return n;
}

function parseBoolean(label: string, raw: string): boolean {
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on', ''].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  return fail(label, raw, 'is not a boolean (1/0, true/false, yes/no)');
}

/** Parses DOCKER_HOST the way the docker CLI accepts it: unix:///path, tcp://host:port, or a path. */
export function parseDockerHost(label: string, raw: string): DockerEndpoint {
  const text = raw.trim();
  if (text.startsWith('/')) return { kind: 'socket', socketPath: text };
  if (text.startsWith('unix://')) {
    const socketPath = text.slice('unix://'.length);
    if (!socketPath.startsWith('/')) fail(label, raw, 'is not unix:///absolute/path');
    return { kind: 'socket', socketPath };
  }
  const m = /^(tcp|http|https):\/\/([^/:]+|\[[0-9a-fA-F:]+\]):(\d+)\/?$/.exec(text);
  if (!m) fail(label, raw, 'is not unix:///path or tcp://host:port');
  const port = parseInteger(label, m[3] as string, 1, 65535, 'a valid port in the address');
  const host = (m[2] as string).replace(/^\[|\]$/g, '');
  return { kind: 'tcp', protocol: m[1] === 'https' ? 'https' : 'http', host, port };
}

/**
 * Reads flags (first) and environment variables into a Config, or throws ConfigError naming the
 * offending setting. Pure apart from the token's randomness and checking that directories exist.
 */
export function loadConfig(
  argv: readonly string[] = process.argv.slice(2),
  env: Readonly<Record<string, string | undefined>> = process.env,
): Config {
  const flags = parseArgv(argv);
  const raw = (name: SettingName): { value: string; label: string } | null => {
    const s = SETTINGS[name];
    const fromFlag = flags.get(name);
    if (fromFlag !== undefined) return { value: fromFlag, label: s.flag };
    const fromEnv = env[s.env];
    if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, label: s.env };
    return null;
  };

  const hostRaw = raw('host');
  const host = hostRaw ? hostRaw.value.trim() : '127.0.0.1';
  if (hostRaw && (host === '' || (!isIP(host) && !/^[a-zA-Z0-9.-]+$/.test(host)))) {
    fail(hostRaw.label, hostRaw.value, 'is not an IP address or host name');
  }

  const portRaw = raw('port');
  const port = portRaw
    ? parseInteger(portRaw.label, portRaw.value, 0, 65535, 'a port (0-65535)')
    : 7070;

  const tokenRaw = raw('token');
  const tokenFileRaw = raw('tokenFile');
  if (tokenRaw && tokenFileRaw) {
    throw new ConfigError(`${tokenRaw.label} and ${tokenFileRaw.label} are both set: give one`);
  }
  let token: string;
  if (tokenFileRaw) {
    token = readText(tokenFileRaw.label, tokenFileRaw.value).replace(/\r?\n$/, '');
    checkToken(tokenFileRaw.label, token);
  } else if (tokenRaw) {
    token = tokenRaw.value;
    checkToken(tokenRaw.label, token);
  } else {
    token = randomBytes(24).toString('base64url');
  }

  const allowedRaw = raw('allowedHosts');
  const allowedHosts = allowedRaw ? parseAllowedHosts(allowedRaw.label, allowedRaw.value) : [];

  const metricsRaw = raw('metricsAuth');
  const metricsAuth = metricsRaw ? parseBoolean(metricsRaw.label, metricsRaw.value) : false;

  const redactRaw = raw('redact');
  let redact: RedactSetting = { mode: 'default', names: [] };
  if (redactRaw) {
    const parsed = parseRedactSetting(redactRaw.value);
    if (typeof parsed === 'string') fail(redactRaw.label, redactRaw.value, parsed);
    redact = parsed;
  }

  const certRaw = raw('tlsCert');
  const keyRaw = raw('tlsKey');
  if (!certRaw !== !keyRaw) {
    const given = (certRaw ?? keyRaw) as { label: string };
    throw new ConfigError(
      `${given.label} is set alone: HTTPS needs both PIDSCOPE_TLS_CERT and PIDSCOPE_TLS_KEY`,
    );
  }
  const tls =
    certRaw && keyRaw
      ? {
          cert: readPem(certRaw.label, certRaw.value, 'CERTIFICATE'),
          key: readPem(keyRaw.label, keyRaw.value, 'PRIVATE KEY'),
        }
      : null;

  const insecureRaw = raw('insecure');
  const insecure = insecureRaw ? parseBoolean(insecureRaw.label, insecureRaw.value) : false;
  if (!tls && !insecure && !isLoopback(host)) {
    fail(
      hostRaw?.label ?? 'PIDSCOPE_HOST',
      host,
      'is not a loopback address, and plain HTTP would carry the token and every command line ' +
        'in clear: serve TLS (PIDSCOPE_TLS_CERT and PIDSCOPE_TLS_KEY), or set PIDSCOPE_INSECURE=1 ' +
        'if something else (a TLS proxy, an SSH tunnel) protects the traffic',
    );
  }

  const intervalRaw = raw('intervalMs');
  const intervalMs = intervalRaw
    ? parseInteger(
        intervalRaw.label,
        intervalRaw.value,
        50,
        3_600_000,
        'an interval (50-3600000 ms)',
      )
    : 1000;

  const procRaw = raw('procRoot');
  const procRoot = resolve(procRaw ? procRaw.value : '/proc');
  if (procRaw) {
    let ok = false;
    try {
      ok = statSync(resolve(procRoot, 'stat')).isFile();
    } catch {
      ok = false;
    }
    if (!ok) fail(procRaw.label, procRaw.value, 'is not a procfs mount (no stat file in it)');
  }

  const roRaw = raw('readOnly');
  const readOnly = roRaw ? parseBoolean(roRaw.label, roRaw.value) : false;

  const dockerRaw = raw('dockerHost');
  const dockerHost = dockerRaw ? dockerRaw.value.trim() : DEFAULT_DOCKER_HOST;
  const docker = parseDockerHost(dockerRaw?.label ?? 'DOCKER_HOST', dockerHost);

  const auditRaw = raw('auditFile');
  const auditFile = resolve(auditRaw ? auditRaw.value : '.pidscope/audit.jsonl');

  const webRaw = raw('webRoot');
  let webRoot: string | null = resolve(webRaw ? webRaw.value : DEFAULT_WEB_ROOT);
  if (!isDirectory(webRoot)) {
    if (webRaw) fail(webRaw.label, webRaw.value, 'is not a directory');
    webRoot = null;
  }

  return {
    host,
    port,
    token,
    tokenGenerated: !tokenRaw && !tokenFileRaw,
    allowedHosts: allowedHosts === '*' ? null : allowedHosts,
    metricsAuth,
    redact,
    tls,
    intervalMs,
    procRoot,
    readOnly,
    dockerHost,
    docker,
    auditFile,
    webRoot,
  };
}

function checkToken(label: string, token: string): void {
  if (token.length < 8 || /\s/.test(token)) {
    fail(label, '<hidden>', 'is not a usable token (8+ characters, no spaces)');
  }
}

function readText(label: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    return fail(label, path, `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function readPem(label: string, path: string, kind: string): Buffer {
  const text = readText(label, path);
  if (!text.includes(`-----BEGIN `) || !text.includes(`${kind}-----`)) {
    fail(label, path, `holds no PEM ${kind}`);
  }
  return Buffer.from(text);
}

/** `a,b:8080,[::1]` → host names without ports, lower case; `*` alone turns the check off. */
function parseAllowedHosts(label: string, raw: string): string[] | '*' {
  const items = raw
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  if (items.length === 1 && items[0] === '*') return '*';
  return items.map((item) => {
    const name = hostName(item);
    if (name === null) fail(label, raw, `names an invalid host ${JSON.stringify(item)}`);
    return name;
  });
}

/** 127.0.0.0/8, ::1 and localhost: addresses no other machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '::ffff:127.0.0.1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The URL a person opens: the UI, with the token to pick up only when the agent generated it
 * (an operator who set the token knows it; printing it would copy it into every log).
 */
export function listenUrl(host: string, port: number, token: string | null, tls = false): string {
  const h = isIP(host) === 6 ? `[${host}]` : host;
  const q = token === null ? '' : `?token=${encodeURIComponent(token)}`;
  return `${tls ? 'https' : 'http'}://${h}:${port}/${q}`;
}

import { randomBytes } from 'node:crypto';
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
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
  /**
   * How often the polling source scans; with the event source, how often zombies, pids cgroups
   * and host headroom are looked at again.
   */
  intervalMs: number;
  /** The event source's safety rescan: a listing of /proc that finds whatever events missed. */
  rescanMs: number;
  /** `auto`: the proc connector where it can run, else polling; `polling`: polling only. */
  source: 'auto' | 'polling';
  /** Bytes the kernel may queue for the event source before it drops events. */
  eventBufferBytes: number;
  procRoot: string;
  readOnly: boolean;
  /** The DOCKER_HOST text as given (or the default socket URL). */
  dockerHost: string;
  docker: DockerEndpoint;
  /** JSON-lines audit file for actions. */
  auditFile: string;
  /** Built web UI served at /; null serves a "not built" page. */
  webRoot: string | null;
  /** Where the history store lives (its `history/` directory). */
  dataDir: string;
  /** History older than this is dropped. */
  retentionMs: number;
  /** The history store never takes more than this on disk; 0: no recording. */
  maxDiskBytes: number;
  /** Demos running at once, per agent. */
  demoMax: number;
  /** Each demo is removed after this long. */
  demoLifetimeMs: number;
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
  rescanMs: { flag: '--rescan-ms', env: 'PIDSCOPE_RESCAN_MS' },
  source: { flag: '--source', env: 'PIDSCOPE_SOURCE' },
  eventBufferBytes: { flag: '--event-buffer-bytes', env: 'PIDSCOPE_EVENT_BUFFER_BYTES' },
  procRoot: { flag: '--proc-root', env: 'PIDSCOPE_PROC_ROOT' },
  readOnly: { flag: '--read-only', env: 'PIDSCOPE_READ_ONLY', boolean: true },
  dockerHost: { flag: '--docker-host', env: 'DOCKER_HOST' },
  auditFile: { flag: '--audit-file', env: 'PIDSCOPE_AUDIT_FILE' },
  webRoot: { flag: '--web-root', env: 'PIDSCOPE_WEB_ROOT' },
  dataDir: { flag: '--data-dir', env: 'PIDSCOPE_DATA_DIR' },
  retention: { flag: '--retention', env: 'PIDSCOPE_RETENTION' },
  maxDisk: { flag: '--max-disk', env: 'PIDSCOPE_MAX_DISK' },
  demoMax: { flag: '--demo-max', env: 'PIDSCOPE_DEMO_MAX' },
  demoLifetimeMs: { flag: '--demo-lifetime-ms', env: 'PIDSCOPE_DEMO_LIFETIME_MS' },
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
  --interval-ms <n>     PIDSCOPE_INTERVAL_MS  scan interval of the polling source, in ms (1000)
  --rescan-ms <n>       PIDSCOPE_RESCAN_MS    safety rescan of the event source, in ms (15000)
  --source <s>          PIDSCOPE_SOURCE       auto (kernel events where possible) or polling (auto)
  --event-buffer-bytes <n>  PIDSCOPE_EVENT_BUFFER_BYTES  kernel queue for process events (8388608)
  --proc-root <dir>     PIDSCOPE_PROC_ROOT    procfs mount to read (/proc)
  --read-only           PIDSCOPE_READ_ONLY    refuse every action
  --docker-host <url>   DOCKER_HOST           unix:///path or tcp://host:port (${DEFAULT_DOCKER_HOST})
  --audit-file <path>   PIDSCOPE_AUDIT_FILE   JSON-lines audit log (.pidscope/audit.jsonl)
  --web-root <dir>      PIDSCOPE_WEB_ROOT     built web UI (apps/web/dist)
  --data-dir <dir>      PIDSCOPE_DATA_DIR     recorded history (/var/lib/pidscope when writable,
                                              else $XDG_STATE_HOME/pidscope or ~/.local/state/pidscope)
  --retention <time>    PIDSCOPE_RETENTION    how long history is kept: 90s, 30m, 24h, 7d (24h)
  --max-disk <size>     PIDSCOPE_MAX_DISK     history's disk budget: 200MB, 2GB, 512MiB; 0 records
                                              nothing (512MB)
  --demo-max <n>        PIDSCOPE_DEMO_MAX     demos running at once, 1-50 (6)
  --demo-lifetime-ms <n> PIDSCOPE_DEMO_LIFETIME_MS  a demo is removed after this long (600000)`;

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

const DURATION_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/** `90s`, `30m`, `24h`, `7d` (a number and one unit) in ms, from `min` up. */
export function parseDuration(label: string, raw: string, min: number): number {
  const m = /^(\d+(?:\.\d+)?)\s*([smhd])$/i.exec(raw.trim());
  const ms = m
    ? Number(m[1]) * (DURATION_UNITS[(m[2] as string).toLowerCase()] as number)
    : Number.NaN;
  if (!(ms >= min && ms <= 366 * 86_400_000)) {
    fail(label, raw, `is not a duration from ${min / 1000}s to 366d (like 90s, 30m, 24h, 7d)`);
  }
  return Math.round(ms);
}

/** `512MB`, `2GB`, `256MiB`, `1000000` (bytes) in bytes, from `min` up. */
export function parseSize(label: string, raw: string, min: number): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(raw.trim());
  const factor = m ? SIZE_UNITS[(m[2] as string).toLowerCase()] : undefined;
  const bytes = m && factor !== undefined ? Math.floor(Number(m[1]) * factor) : Number.NaN;
  if (!(bytes >= min && bytes <= 2 ** 50)) {
    fail(label, raw, `is not a size of at least ${min} bytes (like 512MB, 2GB, 256MiB)`);
  }
  return bytes;
}

function writable(dir: string): boolean {
  // A directory that does not exist yet is writable when the nearest existing parent is.
  for (let d = dir; ; d = dirname(d)) {
    try {
      accessSync(d, constants.W_OK);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(d) === d) return false;
    }
  }
}

/** /var/lib/pidscope when this user may write there, else the XDG state directory. */
export function defaultDataDir(env: Readonly<Record<string, string | undefined>>): string {
  const system = '/var/lib/pidscope';
  if (writable(system)) return system;
  const state = env.XDG_STATE_HOME || join(env.HOME || homedir(), '.local', 'state');
  return join(resolve(state), 'pidscope');
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
  /** A whole number from `min` to `max` (in `unit`), or `fallback` when the setting is absent. */
  const integer = (
    name: SettingName,
    what: string,
    [min, max]: [number, number],
    fallback: number,
    unit = '',
  ) => {
    const r = raw(name);
    const range = `${min}-${max}${unit ? ` ${unit}` : ''}`;
    return r ? parseInteger(r.label, r.value, min, max, `${what} (${range})`) : fallback;
  };
  const boolean = (name: SettingName) => {
    const r = raw(name);
    return r ? parseBoolean(r.label, r.value) : false;
  };

  const hostRaw = raw('host');
  const host = hostRaw ? hostRaw.value.trim() : '127.0.0.1';
  if (hostRaw && (host === '' || (!isIP(host) && !/^[a-zA-Z0-9.-]+$/.test(host)))) {
    fail(hostRaw.label, hostRaw.value, 'is not an IP address or host name');
  }

  const port = integer('port', 'a port', [0, 65535], 7070);

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

  const metricsAuth = boolean('metricsAuth');

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

  const insecure = boolean('insecure');
  if (!tls && !insecure && !isLoopback(host)) {
    fail(
      hostRaw?.label ?? 'PIDSCOPE_HOST',
      host,
      'is not a loopback address, and plain HTTP would carry the token and every command line ' +
        'in clear: serve TLS (PIDSCOPE_TLS_CERT and PIDSCOPE_TLS_KEY), or set PIDSCOPE_INSECURE=1 ' +
        'if something else (a TLS proxy, an SSH tunnel) protects the traffic',
    );
  }

  const intervalMs = integer('intervalMs', 'an interval', [50, 3_600_000], 1000, 'ms');
  const rescanMs = integer('rescanMs', 'a rescan interval', [1000, 86_400_000], 15_000, 'ms');

  const sourceRaw = raw('source');
  const sourceText = sourceRaw?.value.trim() ?? 'auto';
  if (sourceRaw && sourceText !== 'auto' && sourceText !== 'polling') {
    fail(sourceRaw.label, sourceRaw.value, 'is not a source (auto or polling)');
  }
  const source = sourceText as Config['source'];

  const eventBufferBytes = integer(
    'eventBufferBytes',
    'a buffer size',
    [1, 1_073_741_824],
    8 * 1024 * 1024,
    'bytes',
  );

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

  const readOnly = boolean('readOnly');

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

  const dataRaw = raw('dataDir');
  const dataDir = dataRaw ? resolve(dataRaw.value) : defaultDataDir(env);

  const retentionRaw = raw('retention');
  const retentionMs = retentionRaw
    ? parseDuration(retentionRaw.label, retentionRaw.value, 60_000)
    : 86_400_000;

  const diskRaw = raw('maxDisk');
  // 0 turns recording off.
  const maxDiskBytes = diskRaw
    ? /^\s*0+\s*[a-z]*\s*$/i.test(diskRaw.value)
      ? 0
      : parseSize(diskRaw.label, diskRaw.value, 64 * 1024)
    : 512e6;
  const demoMax = integer('demoMax', 'a number of demos', [1, 50], 6);
  const demoLifetimeMs = integer(
    'demoLifetimeMs',
    'a demo lifetime',
    [1, 24 * 3_600_000],
    10 * 60_000,
    'ms',
  );

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
    rescanMs,
    source,
    eventBufferBytes,
    procRoot,
    readOnly,
    dockerHost,
    docker,
    auditFile,
    webRoot,
    dataDir,
    retentionMs,
    maxDiskBytes,
    demoMax,
    demoLifetimeMs,
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

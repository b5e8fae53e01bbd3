import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { type Config, ConfigError, loadConfig } from '@pidscope/agent';
import { type AgentSource, parseAgentSources } from './discovery/sources.js';

export { ConfigError };

/**
 * The hub's settings, validated once at boot. The server's own (listen address, token, allowed
 * hosts, TLS, audit file, web UI, Docker API) are read by the agent's config, with the same names
 * and the same checks; the rest say where the agents are and how to reach them.
 */
export interface HubConfig
  extends Pick<
    Config,
    | 'host'
    | 'port'
    | 'token'
    | 'tokenGenerated'
    | 'allowedHosts'
    | 'tls'
    | 'docker'
    | 'auditFile'
    | 'webRoot'
  > {
  /** Where to find agents: PIDSCOPE_AGENTS, one source per entry, in the order given. */
  agents: AgentSource[];
  /** What the hub presents to agents; null sends no credentials. */
  agentToken: string | null;
  /** PEM certificates agents' TLS is verified against; null uses the system's CAs. */
  agentCa: string | null;
  discoveryIntervalMs: number;
  /** An agent gone from discovery is dropped this long after it was last found. */
  graceMs: number;
  /** DNS servers for dns+ entries (`ip` or `ip:port`); null uses the system's. */
  dnsServers: string[] | null;
}

/** The hub's own settings: flag (without --) and environment variable. */
const HUB_SETTINGS = {
  agents: 'PIDSCOPE_AGENTS',
  'agent-token': 'PIDSCOPE_AGENT_TOKEN',
  'agent-token-file': 'PIDSCOPE_AGENT_TOKEN_FILE',
  'agent-ca': 'PIDSCOPE_AGENT_CA',
  'discovery-interval-ms': 'PIDSCOPE_DISCOVERY_INTERVAL_MS',
  'agent-grace-ms': 'PIDSCOPE_AGENT_GRACE_MS',
  'dns-servers': 'PIDSCOPE_DNS_SERVERS',
} as const;
type HubSetting = keyof typeof HUB_SETTINGS;

export const USAGE = `usage: pidscope --hub [options]   (or PIDSCOPE_MODE=hub)
  --agents <list>                PIDSCOPE_AGENTS                 comma-separated: https://node1:7070,
                                                                 dns+https://name:7070, swarm://service
  --agent-token-file <path>      PIDSCOPE_AGENT_TOKEN_FILE       file holding the agents' token
                                 PIDSCOPE_AGENT_TOKEN            the token the hub presents to agents
  --agent-ca <file>              PIDSCOPE_AGENT_CA               PEM CA the agents' TLS is verified against
  --discovery-interval-ms <n>    PIDSCOPE_DISCOVERY_INTERVAL_MS  how often agents are looked up (10000)
  --agent-grace-ms <n>           PIDSCOPE_AGENT_GRACE_MS         drop an agent gone from discovery after (60000)
  --dns-servers <list>           PIDSCOPE_DNS_SERVERS            DNS servers for dns+ entries (the system's)
and the agent's server options, with the same meaning: --host, --port, --token-file
(PIDSCOPE_TOKEN), --allowed-hosts, --tls-cert, --tls-key, --insecure, --audit-file
(.pidscope/hub-audit.jsonl), --web-root, --docker-host (the swarm manager's, for swarm://).`;

/** The agent's options that mean nothing to a hub: refused rather than silently ignored. */
const AGENT_ONLY = ['--interval-ms', '--proc-root', '--read-only', '--redact', '--metrics-auth'];

function fail(label: string, raw: string, why: string): never {
  throw new ConfigError(`${label}: ${JSON.stringify(raw)} ${why}`);
}

function integer(label: string, raw: string, min: number, what: string): number {
  const n = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!(n >= min && n <= 86_400_000)) fail(label, raw, `is not ${what}`);
  return n;
}

/** Takes the hub's flags out of argv; the rest is the server's, for the agent's config. */
function splitArgv(argv: readonly string[]): {
  hub: Map<HubSetting, string>;
  rest: string[];
} {
  const hub = new Map<HubSetting, string>();
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    if (AGENT_ONLY.includes(flag)) {
      throw new ConfigError(`${flag} is an agent option; a hub reads no /proc\n${USAGE}`);
    }
    const name = flag.startsWith('--') ? (flag.slice(2) as HubSetting) : null;
    if (!name || !(name in HUB_SETTINGS)) {
      rest.push(arg);
      continue;
    }
    const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined) throw new ConfigError(`${flag} needs a value`);
    hub.set(name, value);
  }
  return { hub, rest };
}

function readText(label: string, path: string): string {
  try {
    return readFileSync(resolve(path), 'utf8');
  } catch (err) {
    return fail(label, path, `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/**
 * Flags (first) and environment variables into a HubConfig, or a ConfigError naming the offending
 * setting. Reads the CA and token files, so a bad path stops the start instead of every connection.
 */
export function loadHubConfig(
  argv: readonly string[] = process.argv.slice(2),
  env: Readonly<Record<string, string | undefined>> = process.env,
): HubConfig {
  const { hub, rest } = splitArgv(argv);
  const raw = (name: HubSetting): { value: string; label: string } | null => {
    const fromFlag = hub.get(name);
    if (fromFlag !== undefined) return { value: fromFlag, label: `--${name}` };
    const fromEnv = env[HUB_SETTINGS[name]];
    if (fromEnv !== undefined && fromEnv !== '')
      return { value: fromEnv, label: HUB_SETTINGS[name] };
    return null;
  };

  const auditGiven = rest.some((a) => a.startsWith('--audit-file')) || !!env.PIDSCOPE_AUDIT_FILE;
  let server: Config;
  try {
    server = loadConfig(
      auditGiven ? rest : [...rest, '--audit-file', '.pidscope/hub-audit.jsonl'],
      env,
    );
  } catch (err) {
    if (err instanceof ConfigError && err.message.startsWith('unknown option')) {
      throw new ConfigError(`${err.message.split('\n')[0]}\n${USAGE}`);
    }
    throw err;
  }

  const agentsRaw = raw('agents');
  let agents: AgentSource[] = [];
  if (agentsRaw) {
    try {
      agents = parseAgentSources(agentsRaw.value);
    } catch (err) {
      throw new ConfigError(`${agentsRaw.label}: ${(err as Error).message}`);
    }
  }

  const tokenRaw = raw('agent-token');
  const tokenFileRaw = raw('agent-token-file');
  if (tokenRaw && tokenFileRaw) {
    throw new ConfigError(`${tokenRaw.label} and ${tokenFileRaw.label} are both set: give one`);
  }
  const agentToken = tokenFileRaw
    ? readText(tokenFileRaw.label, tokenFileRaw.value).replace(/\r?\n$/, '')
    : (tokenRaw?.value ?? null);
  if (agentToken !== null && (agentToken.length < 8 || /\s/.test(agentToken))) {
    const label = (tokenFileRaw ?? tokenRaw)?.label ?? '';
    fail(label, '<hidden>', 'is not a usable token (8+ characters, no spaces)');
  }

  const caRaw = raw('agent-ca');
  const agentCa = caRaw ? readText(caRaw.label, caRaw.value) : null;
  if (caRaw && !agentCa?.includes('-----BEGIN CERTIFICATE-----')) {
    fail(caRaw.label, caRaw.value, 'holds no PEM certificate');
  }

  const ms = (name: HubSetting, fallback: number, min: number) => {
    const r = raw(name);
    return r ? integer(r.label, r.value, min, `a duration (${min}+ ms)`) : fallback;
  };

  const dnsRaw = raw('dns-servers');
  const dnsServers = dnsRaw
    ? dnsRaw.value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : null;
  for (const s of dnsServers ?? []) {
    const address = s.replace(/^\[(.*)\](:\d+)?$/, '$1').replace(/^([^:]+):\d+$/, '$1');
    if (!isIP(address)) fail(dnsRaw?.label ?? '', s, 'is not an IP address (or ip:port)');
  }

  return {
    host: server.host,
    port: server.port,
    token: server.token,
    tokenGenerated: server.tokenGenerated,
    allowedHosts: server.allowedHosts,
    tls: server.tls,
    docker: server.docker,
    auditFile: server.auditFile,
    webRoot: server.webRoot,
    agents,
    agentToken,
    agentCa,
    discoveryIntervalMs: ms('discovery-interval-ms', 10_000, 100),
    graceMs: ms('agent-grace-ms', 60_000, 0),
    dnsServers,
  };
}

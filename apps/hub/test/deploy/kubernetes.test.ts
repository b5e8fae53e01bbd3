// deploy/kubernetes/ against the Kubernetes API's schemas (kubernetes-models carries them: nothing
// is downloaded), and against what the hub and the compose deployment need of each other.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DaemonSet, Deployment } from 'kubernetes-models/apps/v1';
import { Namespace, Service } from 'kubernetes-models/v1';
import { describe, expect, test } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { parseAgentSources } from '../../src/discovery/sources.js';

const ROOT = join(import.meta.dirname, '..', '..', '..', '..');
const DIR = join(ROOT, 'deploy', 'kubernetes');

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: the manifests are checked against their schemas below
  spec?: any;
}

const MODELS: Record<string, new (m: never) => { validate(): void }> = {
  'apps/v1/DaemonSet': DaemonSet,
  'apps/v1/Deployment': Deployment,
  'v1/Service': Service,
  'v1/Namespace': Namespace,
};

const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));
const manifests: Manifest[] = files.flatMap((f) =>
  parseAllDocuments(readFileSync(join(DIR, f), 'utf8')).map((d) => {
    if (d.errors.length) throw new Error(`${f}: ${d.errors[0]?.message}`);
    return d.toJSON() as Manifest;
  }),
);
const find = (kind: string, name: string) => {
  const m = manifests.find((x) => x.kind === kind && x.metadata.name === name);
  if (!m) throw new Error(`no ${kind} ${name} in deploy/kubernetes`);
  return m;
};
const envOf = (container: { env: { name: string; value?: string }[] }) =>
  Object.fromEntries(container.env.map((e) => [e.name, e.value]));

describe('deploy/kubernetes', () => {
  test('every manifest is valid against the Kubernetes API schema of its kind', () => {
    expect(files.sort()).toEqual(['agent.yaml', 'hub.yaml', 'namespace.yaml']);
    for (const m of manifests) {
      const Model = MODELS[`${m.apiVersion}/${m.kind}`];
      expect(Model, `${m.apiVersion} ${m.kind} is a kind this test knows`).toBeDefined();
      expect(
        () => new (Model as NonNullable<typeof Model>)(m as never).validate(),
        m.metadata.name,
      ).not.toThrow();
    }
  });

  test('a broken manifest is caught: the schemas are really applied', () => {
    const ds = structuredClone(find('DaemonSet', 'pidscope-agent'));
    ds.spec.template.spec.containers[0].ports[0].containerPort = '7070';
    expect(() => new DaemonSet(ds as never).validate()).toThrow(/containerPort must be integer/);
    delete ds.spec.selector;
    expect(() => new DaemonSet(ds as never).validate()).toThrow(/selector/);
  });

  test('the agent DaemonSet has the host PID namespace, the network, the capabilities and mounts of the compose file', () => {
    const ds = find('DaemonSet', 'pidscope-agent');
    const pod = ds.spec.template.spec;
    expect(pod).toMatchObject({ hostPID: true, hostNetwork: true });
    const c = pod.containers[0];
    expect(c.securityContext).toMatchObject({
      privileged: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'], add: ['SYS_PTRACE', 'KILL', 'NET_ADMIN'] },
    });
    const compose = parseYaml(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'));
    const service = compose.services.pidscope;
    expect(c.securityContext.capabilities.add).toEqual(service.cap_add);
    const hostPaths = Object.fromEntries(
      pod.volumes
        .filter((v: { hostPath?: unknown }) => v.hostPath)
        .map((v: { name: string; hostPath: { path: string } }) => [v.name, v.hostPath.path]),
    );
    const mounts = c.volumeMounts
      .filter((m: { name: string }) => hostPaths[m.name])
      .map(
        (m: { name: string; mountPath: string; readOnly?: boolean }) =>
          `${hostPaths[m.name]}:${m.mountPath}${m.readOnly ? ':ro' : ''}`,
      );
    const composeHostMounts = service.volumes.filter((v: string) => v.startsWith('/'));
    expect(mounts.sort()).toEqual([...composeHostMounts].sort());
    expect(envOf(c)).toMatchObject({ PIDSCOPE_PROC_ROOT: service.environment.PIDSCOPE_PROC_ROOT });
  });

  test('the hub finds every agent through the headless Service, with TLS and the token', () => {
    const ds = find('DaemonSet', 'pidscope-agent');
    const headless = find('Service', 'pidscope-agent');
    expect(headless.spec.clusterIP).toBe('None');
    expect(headless.spec.selector).toEqual(ds.spec.template.metadata.labels);
    const hub = find('Deployment', 'pidscope-hub');
    const env = envOf(hub.spec.template.spec.containers[0]);
    const [source] = parseAgentSources(env.PIDSCOPE_AGENTS as string);
    expect(source).toMatchObject({
      kind: 'dns',
      scheme: 'https',
      name: `${headless.metadata.name}.${headless.metadata.namespace}.svc.cluster.local`,
      port: headless.spec.ports[0].port,
    });
    const agentEnv = envOf(ds.spec.template.spec.containers[0]);
    // The name the hub verifies and sends as Host is one the agents allow.
    expect(agentEnv.PIDSCOPE_ALLOWED_HOSTS?.split(',')).toContain(
      source?.kind === 'dns' ? source.name : '',
    );
    expect(agentEnv.PIDSCOPE_TLS_CERT).toBeTruthy();
    expect(env.PIDSCOPE_AGENT_CA).toBeTruthy();
    // One secret holds both sides of the agents' token.
    const tokenFile = (e: Record<string, string | undefined>, k: string) => e[k]?.split('/').pop();
    expect(tokenFile(agentEnv, 'PIDSCOPE_TOKEN_FILE')).toBe(
      tokenFile(env, 'PIDSCOPE_AGENT_TOKEN_FILE'),
    );
    const hubService = find('Service', 'pidscope-hub');
    expect(hubService.spec.selector).toEqual(hub.spec.template.metadata.labels);
  });
});

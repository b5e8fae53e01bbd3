// Finding agents: PIDSCOPE_AGENTS entries, DNS against a real DNS server on 127.0.0.1, and the
// fleet's grace period for agents that discovery no longer finds.
import type { FleetHost, HostsResponse } from '@pidscope/protocol';
import { afterEach, describe, expect, test } from 'vitest';
import { ConfigError, loadHubConfig } from '../src/config.js';
import { Discovery } from '../src/discovery/discovery.js';
import { parseAgentSources, target } from '../src/discovery/sources.js';
import { Fleet } from '../src/fleet/fleet.js';
import { DnsServer } from './support/dnsServer.js';
import { collect, hostState, startHub, waitFor } from './support/hub.js';
import { SyntheticAgent } from './support/syntheticAgent.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('PIDSCOPE_AGENTS', () => {
  test('reads static, dns and swarm entries; a missing port is the agent’s 7070', () => {
    expect(
      parseAgentSources(
        ' https://node1:7443, http://[fd00::2]/ ,dns+https://tasks.pidscope_agent:7070,swarm://pidscope_agent,swarm+http://a:81,',
      ),
    ).toEqual([
      { kind: 'static', text: 'https://node1:7443', scheme: 'https', host: 'node1', port: 7443 },
      { kind: 'static', text: 'http://[fd00::2]/', scheme: 'http', host: 'fd00::2', port: 7070 },
      {
        kind: 'dns',
        text: 'dns+https://tasks.pidscope_agent:7070',
        scheme: 'https',
        name: 'tasks.pidscope_agent',
        port: 7070,
      },
      {
        kind: 'swarm',
        text: 'swarm://pidscope_agent',
        scheme: null,
        service: 'pidscope_agent',
        port: null,
      },
      { kind: 'swarm', text: 'swarm+http://a:81', scheme: 'http', service: 'a', port: 81 },
    ]);
  });

  test.each([
    ['ftp://node1:21', /is not http\(s\):\/\/host:port/],
    ['https://node1:70000', /70000 is not a port/],
    ['https://user@node1:7070', /is not http\(s\):\/\/host:port/],
    ['https://node1:7070/api', /is not http\(s\):\/\/host:port/],
    ['https://[12345::1]:7070', /is not an IPv6 address/],
  ])('refuses %s at boot, naming the setting', (entry, why) => {
    expect(() => loadHubConfig([], { PIDSCOPE_AGENTS: `https://ok:7070,${entry}` })).toThrow(
      ConfigError,
    );
    expect(() => loadHubConfig([], { PIDSCOPE_AGENTS: entry })).toThrow(why);
    expect(() => loadHubConfig(['--agents', entry], {})).toThrow(/^--agents: /);
  });

  test('an unreadable CA or a CA file without a certificate stops the start', () => {
    expect(() => loadHubConfig(['--agent-ca', '/nonexistent/ca.pem'], {})).toThrow(
      /--agent-ca: "\/nonexistent\/ca.pem" cannot be read \(ENOENT\)/,
    );
    expect(() => loadHubConfig([], { PIDSCOPE_AGENT_CA: '/proc/self/status' })).toThrow(
      /PIDSCOPE_AGENT_CA: .* holds no PEM certificate/,
    );
  });

  test('[F2] entries are combined in order; an agent found twice is the first one found', async () => {
    const discovery = new Discovery({
      sources: parseAgentSources('http://a:7070,http://b:7070,http://A:7070/,http://c:7070'),
      intervalMs: 10_000,
      dnsServers: null,
      docker: () => {
        throw new Error('no swarm entry here');
      },
      swarmScheme: 'http',
    });
    const found = await discovery.evaluate();
    expect(found.map((t) => [t.id, t.source])).toEqual([
      ['a-7070', 'http://a:7070'],
      ['b-7070', 'http://b:7070'],
      ['c-7070', 'http://c:7070'],
    ]);
  });
});

describe('the fleet', () => {
  test('[F2] an agent gone from discovery is kept through the grace period, then dropped', async () => {
    const removed: string[] = [];
    const fleet = new Fleet({
      token: null,
      ca: null,
      graceMs: 500,
      upstream: { minBackoffMs: 10_000, maxBackoffMs: 10_000 },
      onRemove: (id) => removed.push(id),
    });
    cleanups.push(() => fleet.close());
    fleet.update([
      target('http://127.0.0.1:1', null, 'x'),
      target('http://127.0.0.1:2', null, 'x'),
    ]);
    fleet.update([target('http://127.0.0.1:2', null, 'x')]);
    expect(fleet.list().map((u) => u.id)).toEqual(['127.0.0.1-1', '127.0.0.1-2']);
    await new Promise((r) => setTimeout(r, 600));
    fleet.update([target('http://127.0.0.1:2', null, 'x')]);
    expect(fleet.list().map((u) => u.id)).toEqual(['127.0.0.1-2']);
    expect(removed).toEqual(['127.0.0.1-1']);
  });
});

describe('DNS discovery', () => {
  test('every A and AAAA record is an agent; records added and removed are followed', async () => {
    const dns = new DnsServer();
    await dns.start();
    cleanups.push(() => dns.stop());
    // Three agents on one port at three loopback addresses, as three nodes behind one name.
    const first = new SyntheticAgent({
      hostname: 'one',
      host: '127.0.0.2',
      state: hostState('one', 1),
    });
    await first.start();
    cleanups.push(() => first.stop());
    const port = first.port;
    const second = new SyntheticAgent({
      hostname: 'two',
      host: '127.0.0.3',
      port,
      state: hostState('two', 1),
    });
    await second.start();
    cleanups.push(() => second.stop());
    const third = new SyntheticAgent({
      hostname: 'six',
      host: '::1',
      port,
      state: hostState('six', 1),
    });
    await third.start();
    cleanups.push(() => third.stop());
    dns.add('agents.pidscope.test', '127.0.0.2');
    dns.add('agents.pidscope.test', '::1');

    const hub = await startHub([
      '--agents',
      `dns+http://agents.pidscope.test:${port}`,
      '--dns-servers',
      `127.0.0.1:${dns.port}`,
      '--agent-grace-ms',
      '800',
    ]);
    cleanups.push(() => hub.close());
    const hosts = async () => (await hub.get<HostsResponse>('/api/v1/hosts')).body;
    const upNames = (hs: FleetHost[]) =>
      hs
        .filter((h) => h.status === 'up')
        .map((h) => h.hostname)
        .sort();

    await waitFor(async () => upNames((await hosts()).hosts).length === 2, 'two agents up');
    const body = await hosts();
    expect(body.hosts.map((h) => [h.id, h.url, h.hostname])).toEqual([
      [`--1-${port}`, `http://[::1]:${port}`, 'six'],
      [`127.0.0.2-${port}`, `http://127.0.0.2:${port}`, 'one'],
    ]);
    expect(body.discovery).toEqual([
      {
        source: `dns+http://agents.pidscope.test:${port}`,
        kind: 'dns',
        agents: 2,
        error: null,
        at: expect.any(Number),
      },
    ]);
    // The agent is asked for by the name, as a certificate would name it.
    expect(first.lastHostHeader).toBe(`agents.pidscope.test:${port}`);

    const fleet = collect(hub.socket('/api/v1/fleet/stream'));
    dns.add('agents.pidscope.test', '127.0.0.3');
    await waitFor(async () => upNames((await hosts()).hosts).length === 3, 'the added record');
    expect(upNames((await hosts()).hosts)).toEqual(['one', 'six', 'two']);

    dns.remove('agents.pidscope.test', '127.0.0.2');
    await waitFor(
      () => fleet.messages.some((m) => m.type === 'host-removed' && m.id === `127.0.0.2-${port}`),
      'the removed record to drop its host after the grace period',
    );
    expect(upNames((await hosts()).hosts)).toEqual(['six', 'two']);

    // A DNS server that stops answering is an error; the hosts it found stay.
    await dns.stop();
    await waitFor(async () => (await hosts()).discovery[0]?.error, 'the discovery error');
    const after = await hosts();
    expect(after.discovery[0]?.error).toMatch(/ETIMEOUT|ECONNREFUSED|timed out/);
    expect(upNames(after.hosts)).toEqual(['six', 'two']);
  });
});

import { cpuNews, diff, validateState } from '@pidscope/protocol';
import { describe, expect, it } from 'vitest';
import { createSyntheticHost, KUBERNETES } from '../bench/synthetic.mjs';

// The scale bench's Kubernetes node: a state the protocol refuses, or patches that move more or
// less than the shares it reports, would measure something other than what its table says.
describe('the synthetic Kubernetes node', () => {
  const processes = 4000;
  const host = createSyntheticHost({ processes, shape: 'kubernetes' });

  it('has the size asked for, zombies, and states the protocol accepts', () => {
    const s = host.state();
    expect(validateState(s)).toEqual([]);
    expect(s.processes).toHaveLength(processes);
    expect(s.host.zombies).toBe(Math.round(processes * KUBERNETES.zombieShare));
    expect(s.containers.some((c) => c.name.endsWith('/pause'))).toBe(true);
  });

  it('moves CPU by steps the agent sends, in about the share stated, each second', () => {
    let before = host.state();
    for (let i = 0; i < 3; i++) {
      const next = host.tick().state;
      expect(validateState(next)).toEqual([]);
      const was = new Map(before.processes.map((p) => [`${p.pid}:${p.startTime}`, p]));
      let cpuMoves = 0;
      for (const p of next.processes) {
        const q = was.get(`${p.pid}:${p.startTime}`);
        if (!q || q.cpu === p.cpu || p.state === 'Z') continue;
        expect(cpuNews(q.cpu, p.cpu)).toBe(true);
        cpuMoves++;
      }
      // A process that exited this second, or one at 0 % that would stay at 0 %, does not count.
      expect(cpuMoves).toBeGreaterThan(processes * KUBERNETES.cpuShare * 0.9);
      expect(cpuMoves).toBeLessThanOrEqual(processes * KUBERNETES.cpuShare);
      const patch = diff(before, next, []);
      expect(patch.updated.length).toBeLessThanOrEqual(
        processes * (KUBERNETES.cpuShare + KUBERNETES.rssShare) + 50,
      );
      before = next;
    }
  });
});

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { alerts, RULES_DIR, RULES_FILE, readRules } from './rules.js';

const README = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');
const RUNBOOK_BASE = 'https://github.com/pidscope/pidscope/blob/main/README.md#';

/** The alerts issue 17 asks for, one per way a host or container runs out of PIDs. */
const EXPECTED = [
  'PidscopeHostPidHeadroomLow',
  'PidscopeHostPidExhaustionPredicted',
  'PidscopeContainerPidsNearLimit',
  'PidscopeContainerForkFailures',
  'PidscopeZombiesAccumulating',
  'PidscopeContainerWithoutInitLeaks',
  'PidscopeAgentDown',
];

/** GitHub's anchor for a heading: lower case, spaces to dashes, punctuation dropped. */
const anchor = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');

/** The README section under a `####` heading, by its anchor. */
function readmeSection(id: string): string | null {
  const parts = README.split(/\n(?=#{1,4} )/);
  const i = parts.findIndex((p) => {
    const m = /^#{1,4} (.+)/.exec(p);
    return m ? anchor(m[1] as string) === id : false;
  });
  return i === -1 ? null : (parts[i] as string);
}

describe('deploy/prometheus/pidscope.rules.yml', () => {
  it('passes promtool check rules', () => {
    const out = execFileSync('promtool', ['check', 'rules', RULES_FILE], { encoding: 'utf8' });
    expect(out).toContain('SUCCESS: 11 rules found');
  });

  it('is loaded by the compose profile configuration, which passes promtool check config', () => {
    const out = execFileSync('promtool', ['check', 'config', `${RULES_DIR}prometheus.yml`], {
      encoding: 'utf8',
    });
    expect(out).toContain('SUCCESS: 1 rule files found');
    expect(out).toContain('SUCCESS: 11 rules found');
  });

  it('passes its promtool unit tests (pidscope.rules.test.yml)', () => {
    const out = execFileSync('promtool', ['test', 'rules', 'pidscope.rules.test.yml'], {
      cwd: RULES_DIR,
      encoding: 'utf8',
    });
    expect(out).toMatch(/SUCCESS\s*$/);
  });

  it('has the seven alerts, each with severity, summary, a description with numbers and a runbook in the README', () => {
    const rules = alerts(readRules());
    expect(rules.map((r) => r.alert)).toEqual(EXPECTED);
    for (const r of rules) {
      const what = r.alert as string;
      expect(['critical', 'warning'], what).toContain(r.labels?.severity);
      expect(Object.keys(r.annotations ?? {}).sort(), what).toEqual([
        'description',
        'runbook_url',
        'summary',
      ]);
      const { summary = '', description = '', runbook_url = '' } = r.annotations ?? {};
      expect(summary.length, what).toBeGreaterThan(10);
      // A number from the alert's own value or from a query of the series behind it.
      expect(description, what).toMatch(/\$value|\| query|with query/);
      if (what.includes('Container') || what.includes('Zombies')) {
        expect(description, what).toContain('$labels.container_name');
      }
      expect(runbook_url.startsWith(RUNBOOK_BASE), what).toBe(true);
      const section = readmeSection(runbook_url.slice(RUNBOOK_BASE.length));
      expect(section, `README section for ${what}`).not.toBeNull();
      expect(section, what).toMatch(/What to do/);
    }
  });

  it('has a promtool test where each alert fires and one where it stays quiet', () => {
    const tests = parse(readFileSync(`${RULES_DIR}pidscope.rules.test.yml`, 'utf8')) as {
      tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
    };
    const cases = tests.tests.flatMap((t) => t.alert_rule_test);
    for (const name of EXPECTED) {
      const mine = cases.filter((c) => c.alertname === name);
      expect(
        mine.some((c) => c.exp_alerts.length > 0),
        `${name} fires`,
      ).toBe(true);
      expect(
        mine.some((c) => c.exp_alerts.length === 0),
        `${name} stays quiet`,
      ).toBe(true);
    }
  });
});

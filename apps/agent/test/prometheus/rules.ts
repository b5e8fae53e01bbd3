import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** deploy/prometheus, where the shipped rules and their promtool tests live. */
export const RULES_DIR = fileURLToPath(new URL('../../../../deploy/prometheus/', import.meta.url));
export const RULES_FILE = `${RULES_DIR}pidscope.rules.yml`;

export interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface RuleFile {
  groups: { name: string; interval?: string; rules: Rule[] }[];
}

export function readRules(path = RULES_FILE): RuleFile {
  return parse(readFileSync(path, 'utf8')) as RuleFile;
}

export function alerts(file: RuleFile): Rule[] {
  return file.groups.flatMap((g) => g.rules.filter((r) => r.alert));
}

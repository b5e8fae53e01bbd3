/**
 * Secrets in command lines. The agent shows every process's arguments, and passwords passed as
 * arguments are common; this replaces their values with MASK before a command line leaves the
 * agent. Pure: no I/O, no state.
 */

export const MASK = '••••';

/**
 * Option and variable names whose values are secrets, matched case-insensitively as parts of a
 * name, with `_` and `-` the same: `--db-password`, `PGPASSWORD`, `MYSQL_PWD`, `--api_key`,
 * `X-Auth-Token` all match.
 */
export const DEFAULT_SECRET_NAMES: readonly string[] = [
  'password',
  'passwd',
  'pwd',
  'secret',
  'token',
  'api-key',
  'apikey',
  'access-key',
  'private-key',
  'credential',
  'auth',
];

/** What PIDSCOPE_REDACT asks for: the defaults, the defaults plus names, other names, or nothing. */
export type RedactSetting =
  | { mode: 'default'; names: string[] }
  | { mode: 'extend'; names: string[] }
  | { mode: 'replace'; names: string[] }
  | { mode: 'off'; names: [] };

/**
 * `off`; `+name,name` (the defaults and these); `name,name` (only these). Returns a reason when
 * the text is not one of those.
 */
export function parseRedactSetting(raw: string): RedactSetting | string {
  const text = raw.trim();
  if (text.toLowerCase() === 'off') return { mode: 'off', names: [] };
  const extend = text.startsWith('+');
  const names = (extend ? text.slice(1) : text)
    .split(',')
    .map((n) => normalise(n.trim()))
    .filter(Boolean);
  if (names.length === 0) return 'is not off, a list of names, or +names to add to the defaults';
  const bad = names.find((n) => !/^[a-z0-9.-]+$/.test(n));
  if (bad !== undefined)
    return `has a name with other characters than letters, digits, . - _: ${JSON.stringify(bad)}`;
  return { mode: extend ? 'extend' : 'replace', names };
}

const normalise = (name: string) => name.toLowerCase().replace(/_/g, '-');

/** mysql's client tools take `-pSECRET` with no space. */
const MYSQL_TOOLS =
  /^(mysql|mysqldump|mysqladmin|mysqlimport|mysqlshow|mysqlcheck|mariadb(-\w+)?)$/;

/** `scheme://user:password@host`: the password part of the userinfo. */
const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):[^\s@/]*@/gi;

/** The same argv with secret values masked; the very same array when nothing is secret. */
export type Redactor = (argv: readonly string[]) => readonly string[];

/**
 * A redactor for the names of `setting`, and for any argument that contains one of `literals`
 * (the agent's own token, wherever it appears).
 */
export function createRedactor(setting: RedactSetting, literals: readonly string[] = []): Redactor {
  if (setting.mode === 'off') return (argv) => argv;
  const names =
    setting.mode === 'replace'
      ? setting.names
      : [...DEFAULT_SECRET_NAMES, ...(setting.mode === 'extend' ? setting.names : [])];
  const isSecretName = (name: string): boolean => {
    const n = normalise(name).replace(/^-+/, '');
    if (n === '') return false;
    const compact = n.replace(/-/g, '');
    return names.some((s) => n.includes(s) || compact.includes(s.replace(/-/g, '')));
  };
  const secrets = literals.filter((l) => l.length >= 8);

  return (argv) => {
    let changed = false;
    const out = argv.map((arg, i) => {
      const next = redactArg(arg, i === 0 ? null : (argv[i - 1] as string), argv[0] ?? '');
      if (next !== arg) changed = true;
      return next;
    });
    return changed ? out : argv;
  };

  function redactArg(arg: string, previous: string | null, argv0: string): string {
    let text = arg;
    for (const s of secrets) if (text.includes(s)) text = text.split(s).join(MASK);
    text = text.replace(URL_USERINFO, `$1:${MASK}@`);
    // The previous argument was `--password` (no value of its own): this one is its value.
    if (previous !== null && takesSecretValue(previous) && !text.startsWith('--')) return MASK;
    // `Authorization: Bearer x` as one argument (curl -H): everything after the name.
    const header = /^([\w-]+):\s+\S/.exec(text);
    if (header && isSecretName(header[1] as string)) return `${header[1]}: ${MASK}`;
    // Words inside one argument (`sh -c "mysql --password=x db"`) get the same treatment.
    const words = text.split(/(\s+)/);
    let maskNext = false;
    let touched = false;
    for (let w = 0; w < words.length; w += 2) {
      const word = words[w] as string;
      if (word === '') continue;
      if (maskNext && !word.startsWith('--')) {
        words[w] = MASK;
        touched = true;
        maskNext = false;
        continue;
      }
      maskNext = false;
      const tool = w === 0 ? (previous === null ? '' : argv0) : (words[0] as string);
      const masked = redactWord(word, tool, argv0);
      if (masked !== word) {
        words[w] = masked;
        touched = true;
      } else if (w > 0 && takesSecretValue(word)) {
        maskNext = true;
      }
    }
    return touched ? words.join('') : text;
  }

  /** `--password` or `-password` alone (no `=`), whose value is the next argument. */
  function takesSecretValue(word: string): boolean {
    return /^-{1,2}[A-Za-z][\w.-]*$/.test(word) && isSecretName(word);
  }

  function redactWord(word: string, tool: string, argv0: string): string {
    // NAME=value, --name=value, -name=value
    const eq = word.indexOf('=');
    if (eq > 0) {
      const name = word.slice(0, eq);
      if (/^-{0,2}[A-Za-z_][\w.-]*$/.test(name) && isSecretName(name)) {
        return word.slice(eq + 1) === '' ? word : `${name}=${MASK}`;
      }
    }
    const isMysql = (path: string) => MYSQL_TOOLS.test(path.slice(path.lastIndexOf('/') + 1));
    if (/^-p.+/.test(word) && (isMysql(tool) || isMysql(argv0))) return `-p${MASK}`;
    return word;
  }
}

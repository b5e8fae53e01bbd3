import { constants } from 'node:os';

/** What the kernel does with a signal when the process installed no handler (signal(7)). */
export type DefaultAction = 'terminate' | 'core' | 'stop' | 'continue' | 'ignore';

export interface SignalInfo {
  name: SignalName;
  number: number;
  defaultAction: DefaultAction;
  /** SIGKILL and SIGSTOP cannot be caught, blocked or ignored. */
  catchable: boolean;
}

/** The signals the API sends; others (SIGSEGV, real-time signals, …) have no business here. */
export const SIGNAL_NAMES = [
  'SIGTERM',
  'SIGKILL',
  'SIGHUP',
  'SIGINT',
  'SIGQUIT',
  'SIGUSR1',
  'SIGUSR2',
  'SIGSTOP',
  'SIGCONT',
  'SIGCHLD',
] as const;
export type SignalName = (typeof SIGNAL_NAMES)[number];

const DEFAULTS: Record<SignalName, DefaultAction> = {
  SIGTERM: 'terminate',
  SIGKILL: 'terminate',
  SIGHUP: 'terminate',
  SIGINT: 'terminate',
  SIGQUIT: 'core',
  SIGUSR1: 'terminate',
  SIGUSR2: 'terminate',
  SIGSTOP: 'stop',
  SIGCONT: 'continue',
  SIGCHLD: 'ignore',
};

export function isSignalName(name: unknown): name is SignalName {
  return typeof name === 'string' && (SIGNAL_NAMES as readonly string[]).includes(name);
}

export function signalInfo(name: SignalName): SignalInfo {
  return {
    name,
    number: constants.signals[name],
    defaultAction: DEFAULTS[name],
    catchable: name !== 'SIGKILL' && name !== 'SIGSTOP',
  };
}

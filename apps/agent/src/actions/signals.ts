import { constants } from 'node:os';
import type { SignalName } from '@pidscope/protocol';

/** What the kernel does with a signal when the process installed no handler (signal(7)). */
export type DefaultAction = 'terminate' | 'core' | 'stop' | 'continue' | 'ignore';

export interface SignalInfo {
  name: SignalName;
  number: number;
  defaultAction: DefaultAction;
  /** SIGKILL and SIGSTOP cannot be caught, blocked or ignored. */
  catchable: boolean;
}

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

export function signalInfo(name: SignalName): SignalInfo {
  return {
    name,
    number: constants.signals[name],
    defaultAction: DEFAULTS[name],
    catchable: name !== 'SIGKILL' && name !== 'SIGSTOP',
  };
}

import type { Container, DockerStatus, Process } from '@pidscope/protocol';

/**
 * Mount points for the actions and demos UI built under features/ (issue 5). The dashboard owns
 * where they sit and what they are given; the features own what they draw.
 */

export interface ProcessActionsMountProps {
  process: Process;
  container: Container | null;
  parent: Process | null;
  token: string | null;
  readOnly: boolean;
}

export function ProcessActionsMount(_props: ProcessActionsMountProps) {
  return null;
}

export interface DemosMountProps {
  token: string | null;
  docker: DockerStatus | null;
}

export function DemosMount(_props: DemosMountProps) {
  return null;
}

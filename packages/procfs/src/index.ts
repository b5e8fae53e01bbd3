export type { ContainerRuntime, ProcessRecord } from './processRecord.js';

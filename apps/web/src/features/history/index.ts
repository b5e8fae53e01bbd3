export { readMoment, withMoment } from './moment.js';
export { Timeline } from './Timeline.js';
export {
  type Speed,
  type TimeTravel,
  useRecordedSparklines,
  useTimeTravel,
} from './useTimeTravel.js';
export { ZombieLeaders } from './ZombieLeaders.js';

export {
  type DemoInfo,
  type DemoList,
  type DemoObserved,
  type DemoRun,
  type DemoStep,
  DemosPanel,
  type DemosPanelProps,
} from './DemosPanel.js';

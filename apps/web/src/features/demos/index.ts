export { DemosPanel, type DemosPanelProps } from './DemosPanel.js';

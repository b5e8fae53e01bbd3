export { OFFERED_SIGNALS, ProcessActions, type ProcessActionsProps } from './ProcessActions.js';

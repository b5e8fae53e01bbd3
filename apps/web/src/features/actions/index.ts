export {
  type ActionDone,
  ActionResult,
  type ActionsHandle,
  OFFERED_SIGNALS,
  ProcessActions,
  type ProcessActionsProps,
} from './ProcessActions.js';

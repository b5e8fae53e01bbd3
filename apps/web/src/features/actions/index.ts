export {
  type ActionsHandle,
  OFFERED_SIGNALS,
  ProcessActions,
  type ProcessActionsProps,
} from './ProcessActions.js';
export { type ActionResponse, callAction } from './request.js';

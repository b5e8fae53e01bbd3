import { createContext, useContext } from 'react';

/**
 * Where the page's agent API answers, for `agentUrl`: '' when the agent serves the page, or
 * `/api/v1/hosts/<id>` for one host of a hub's fleet.
 */
export const ApiRoot = createContext('');

export function useApiRoot(): string {
  return useContext(ApiRoot);
}

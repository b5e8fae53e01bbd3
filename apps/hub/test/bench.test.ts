import { validateState } from '@pidscope/protocol';
import { describe, expect, it } from 'vitest';
import { createSyntheticHost } from '../../web/bench/synthetic.mjs';

// The hub's bench feeds 50 agents from this generator: a state the protocol refuses would leave
// every host down and the bench measuring an idle hub.
describe('the bench’s synthetic host', () => {
  it('sends states the protocol accepts, before and after churn', () => {
    const host = createSyntheticHost({ processes: 300, containers: 6, seed: 7 });
    expect(validateState(host.state())).toEqual([]);
    for (let i = 0; i < 5; i++) expect(validateState(host.tick().state)).toEqual([]);
  });
});

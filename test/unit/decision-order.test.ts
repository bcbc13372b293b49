/**
 * The order of decisions in the local workflow: a place waits for every earlier place that has
 * not declared what it touches or that shares some of it, and for nothing else.
 */
import { describe, expect, it } from 'vitest';
import { DecisionOrder, type DecisionPlace } from '../../lambdas/adapters/local/decision-order.ts';

/** Whether `p` has settled by the time the pending callbacks have run, and with what. */
async function settled<T>(p: Promise<T>): Promise<{ done: boolean; value?: T }> {
  let state: { done: boolean; value?: T } = { done: false };
  void p.then((value) => (state = { done: true, value }));
  await new Promise((r) => setImmediate(r));
  return state;
}

/** Three places taken one after another in a new order. */
function places(): [DecisionPlace, DecisionPlace, DecisionPlace] {
  const order = new DecisionOrder();
  return [order.take(), order.take(), order.take()];
}

describe('the order of decisions', () => {
  it('a place waits for an earlier one that has declared nothing yet, then for it only if they share a key', async () => {
    const [first, second] = places();
    const waiting = second.ready(['spend:V2', 'claim:V2#INV-9']);
    expect(await settled(waiting)).toEqual({ done: false });
    first.declare(['spend:V1', 'claim:V1#INV-1']);
    // Nothing shared: the second may record before the first, and nothing it read was changed by it.
    expect(await settled(waiting)).toEqual({ done: true, value: false });
  });

  it('a place that shares a key waits until the earlier one is released, and says it waited', async () => {
    const [first, second, third] = places();
    first.declare(['billed:PO-1', 'spend:V1']);
    second.declare(['billed:PO-2', 'spend:V2']);
    const waiting = third.ready(['billed:PO-1', 'spend:V3']);
    expect(await settled(waiting)).toEqual({ done: false });
    second.release();
    expect(await settled(waiting)).toEqual({ done: false });
    first.release();
    expect(await settled(waiting)).toEqual({ done: true, value: true });
  });

  it('without a footprint, a place waits for every earlier one, declared or not; and a later one waits for it', async () => {
    const [first, second, third] = places();
    first.declare(['spend:V1']);
    const plain = second.ready(null);
    const after = third.ready(['spend:V3']);
    expect(await settled(plain)).toEqual({ done: false });
    first.release();
    expect(await settled(plain)).toEqual({ done: true, value: false });
    // The second never declared: the third, though it shares nothing with the first, waits for it.
    expect(await settled(after)).toEqual({ done: false });
    second.release();
    expect(await settled(after)).toEqual({ done: true, value: false });
  });

  it('a released place keeps its position: asked again, it waits only for places taken before it', async () => {
    const [first, second, third] = places();
    second.release();
    // `third` is open and later: the second is not held back by it.
    expect(await settled(second.ready(null))).toEqual({ done: false });
    first.release();
    expect(await settled(second.ready(null))).toEqual({ done: true, value: false });
    third.release();
  });
});

/** Static checks of the one workflow definition the cloud deploys and the laptop runs. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { APPROVAL_DEFINITION, APPROVAL_MACHINE_PLACEHOLDER, WORKFLOW_DEFINITION, WORKFLOW_FUNCTIONS, workflowDefinition } from '../../lambdas/adapters/local/local-workflow.ts';

interface State {
  Type: string;
  Comment?: string;
  Retry?: { ErrorEquals: string[] }[];
  Catch?: { ErrorEquals: string[]; Next: string }[];
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: { Next: string }[];
  ItemProcessor?: { StartAt: string; States: Record<string, State> };
}

const text = readFileSync(WORKFLOW_DEFINITION, 'utf8');
const approvalText = readFileSync(APPROVAL_DEFINITION, 'utf8');
const def = JSON.parse(text) as { StartAt: string; States: Record<string, State> };
const approvalDef = JSON.parse(approvalText) as { StartAt: string; States: Record<string, State> };

function allStates(states: Record<string, State>): [string, State][] {
  return Object.entries(states).flatMap(([name, s]) => [[name, s] as [string, State], ...(s.ItemProcessor ? allStates(s.ItemProcessor.States) : [])]);
}

describe('process-document.asl.json and approve-bill.asl.json', () => {
  it('bind every placeholder, and only known ones', () => {
    const used = new Set([...(text + approvalText).matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]));
    expect([...used].sort()).toEqual([...Object.keys(WORKFLOW_FUNCTIONS), APPROVAL_MACHINE_PLACEHOLDER].sort());
    expect(() => workflowDefinition({})).toThrow(/is not bound/);
  });

  it.each([...allStates(def.States), ...allStates(approvalDef.States)].filter(([, s]) => s.Type === 'Task').map(([name, s]) => ({ name, s })))('task $name has Retry and Catch, and retries only transient errors', ({ s }) => {
    expect(s.Retry?.length).toBeGreaterThan(0);
    expect(s.Catch?.length).toBeGreaterThan(0);
    for (const r of s.Retry!) expect(r.ErrorEquals).not.toContain('States.ALL');
  });

  it.each([...allStates(def.States), ...allStates(approvalDef.States)].filter(([, s]) => s.Type !== 'Succeed' && s.Type !== 'Pass').map(([name, s]) => ({ name, s })))('state $name says why it is there', ({ s }) => {
    expect(s.Comment ?? (s.Type === 'Fail' ? 'fail states carry a Cause' : '')).not.toBe('');
  });

  it('keeps a straight-through e-invoice within 10 billed state transitions', () => {
    const path = ['ReadDocument', 'NeedsExtraction', 'DecideEachBill', 'DecideBill', 'NeedsApprover', 'NoApproverNeeded', 'NotifyPeople', 'Done'];
    expect(path.length).toBeLessThanOrEqual(10);
    for (const name of path) expect(allStates(def.States).map(([n]) => n)).toContain(name);
  });
});

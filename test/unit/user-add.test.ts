/**
 * `bm user add`: the pool from the stack's outputs, AdminCreateUser then AdminAddUserToGroup;
 * someone already there is only added to the group; bad input refused before any call.
 * (Cognito has no local emulator: the clients record the commands the CLI sends.)
 */
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { AdminAddUserToGroupCommand, AdminCreateUserCommand, UsernameExistsException } from '@aws-sdk/client-cognito-identity-provider';
import { describe, expect, it } from 'vitest';
import { userCommand, type UserClients } from '../../lambdas/cli/user.ts';
import { CliUsageError } from '../../lambdas/cli/local.ts';

function clients(options: { outputs?: Record<string, string>; exists?: boolean } = {}) {
  const sent: { name: string; input: Record<string, unknown> }[] = [];
  const outputs = options.outputs ?? { UserPoolId: 'eu-west-1_Pool1', WorkspaceUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com' };
  const c: UserClients = {
    cloudFormation: {
      send: (async (cmd: unknown) => {
        expect(cmd).toBeInstanceOf(DescribeStacksCommand);
        return { Stacks: [{ Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })) }] };
      }) as never,
    },
    cognito: {
      send: (async (cmd: AdminCreateUserCommand | AdminAddUserToGroupCommand) => {
        sent.push({ name: cmd.constructor.name, input: cmd.input as unknown as Record<string, unknown> });
        if (cmd instanceof AdminCreateUserCommand && options.exists) throw new UsernameExistsException({ message: 'exists', $metadata: {} });
        return {};
      }) as never,
    },
  };
  return { c, sent };
}

const io = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t) } };
};

describe('bm user add', () => {
  it('creates the user in the stack\'s pool (emailed a temporary password) and adds them to the group', async () => {
    const { c, sent } = clients();
    const o = io();
    expect(await userCommand(['add', 'Pat.Clerk@Northwind.example', '--group', 'clerk', '--stack', 'BillMatcher'], o.io, c)).toBe(0);
    expect(sent).toEqual([
      {
        name: 'AdminCreateUserCommand',
        input: {
          UserPoolId: 'eu-west-1_Pool1',
          Username: 'pat.clerk@northwind.example',
          UserAttributes: [
            { Name: 'email', Value: 'pat.clerk@northwind.example' },
            { Name: 'email_verified', Value: 'true' },
          ],
          DesiredDeliveryMediums: ['EMAIL'],
        },
      },
      { name: 'AdminAddUserToGroupCommand', input: { UserPoolId: 'eu-west-1_Pool1', Username: 'pat.clerk@northwind.example', GroupName: 'clerk' } },
    ]);
    expect(o.out.join('')).toContain('added pat.clerk@northwind.example to clerk');
    expect(o.out.join('')).toContain('https://abc.execute-api.eu-west-1.amazonaws.com');
  });

  it('only adds an existing user to the group', async () => {
    const { c, sent } = clients({ exists: true });
    const o = io();
    expect(await userCommand(['add', 'fin@northwind.example', '--group', 'finance', '--stack', 'S'], o.io, c)).toBe(0);
    expect(sent.map((s) => s.name)).toEqual(['AdminCreateUserCommand', 'AdminAddUserToGroupCommand']);
    expect(o.out.join('')).toContain('already had an account');
  });

  it('refuses an unknown group, a bad address or a missing --stack before calling AWS', async () => {
    const { c, sent } = clients();
    await expect(userCommand(['add', 'x@northwind.example', '--group', 'boss', '--stack', 'S'], io().io, c)).rejects.toThrow(/clerk, approver, admin, finance/);
    await expect(userCommand(['add', 'not-an-address', '--group', 'clerk', '--stack', 'S'], io().io, c)).rejects.toThrow(CliUsageError);
    await expect(userCommand(['add', 'x@northwind.example', '--group', 'clerk'], io().io, c)).rejects.toThrow(/--stack/);
    expect(sent).toEqual([]);
  });

  it('says so when the stack has no workspace yet', async () => {
    const { c } = clients({ outputs: { TableName: 't' } });
    const o = io();
    expect(await userCommand(['add', 'x@northwind.example', '--group', 'clerk', '--stack', 'Old'], o.io, c)).toBe(1);
    expect(o.err.join('')).toContain('no UserPoolId output');
  });
});

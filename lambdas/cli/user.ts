/**
 * `bm user add EMAIL --group GROUP --stack NAME [--region R]`: invites a person to a deployed
 * stack's workspace. The user pool is found by the stack's `UserPoolId` output (as `--stack`
 * commands find the table); Cognito creates the user (AdminCreateUser) and emails a temporary
 * password; the user is put in the group (AdminAddUserToGroup). Someone who already has an
 * account is only added to the group. Groups: clerk, approver, admin, finance (docs/security.md).
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  CognitoIdentityProviderClient,
  UsernameExistsException,
} from '@aws-sdk/client-cognito-identity-provider';
import { GROUPS, type Group } from '../adapters/local/web/auth.ts';
import { stackOutputs, StackNotFoundError } from '../adapters/aws/stack-outputs.ts';
import { CliUsageError, parseCli, type CliIo } from './local.ts';

export interface UserClients {
  readonly cloudFormation: Pick<CloudFormationClient, 'send'>;
  readonly cognito: Pick<CognitoIdentityProviderClient, 'send'>;
}

const EMAIL = /^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/;

export async function userCommand(argv: string[], io: CliIo, clients?: UserClients): Promise<number> {
  const parsed = parseCli(argv, { group: { type: 'string' }, stack: { type: 'string' }, region: { type: 'string' } });
  const values = parsed.values as { group?: string; stack?: string; region?: string };
  const positionals = parsed.positionals;
  const [verb, email, ...extra] = positionals;
  if (verb !== 'add') throw new CliUsageError(`bm user: unknown action "${verb ?? ''}" (bm user add EMAIL --group GROUP --stack NAME)`);
  if (!email || extra.length) throw new CliUsageError('bm user add takes one email address');
  if (!EMAIL.test(email)) throw new CliUsageError(`"${email}" is not an email address`);
  const group = values.group as Group | undefined;
  if (!group || !(GROUPS as readonly string[]).includes(group)) throw new CliUsageError(`--group must be one of ${GROUPS.join(', ')}${group ? ` (not "${group}")` : ''}`);
  if (!values.stack) throw new CliUsageError('bm user add needs --stack NAME (the deployed stack whose workspace the person joins)');
  const options = values.region ? { region: values.region } : {};
  const c = clients ?? { cloudFormation: new CloudFormationClient(options), cognito: new CognitoIdentityProviderClient(options) };

  let outputs: Record<string, string>;
  try {
    outputs = await stackOutputs(values.stack!, c.cloudFormation);
  } catch (err) {
    if (!(err instanceof StackNotFoundError)) throw err;
    io.stderr(`bm: ${err.message}\n`);
    return 1;
  }
  const pool = outputs.UserPoolId;
  if (!pool) {
    io.stderr(`bm: stack ${values.stack} has no UserPoolId output: deploy this version of the stack first (it adds the workspace)\n`);
    return 1;
  }
  const username = email.toLowerCase();
  let created = true;
  try {
    await c.cognito.send(
      new AdminCreateUserCommand({
        UserPoolId: pool,
        Username: username,
        UserAttributes: [
          { Name: 'email', Value: username },
          { Name: 'email_verified', Value: 'true' },
        ],
        DesiredDeliveryMediums: ['EMAIL'],
      }),
    );
  } catch (err) {
    if (!(err instanceof UsernameExistsException || (err as Error).name === 'UsernameExistsException')) throw err;
    created = false;
  }
  await c.cognito.send(new AdminAddUserToGroupCommand({ UserPoolId: pool, Username: username, GroupName: group }));
  const where = outputs.WorkspaceUrl ? ` at ${outputs.WorkspaceUrl}` : '';
  io.stdout(
    created
      ? `added ${username} to ${group} in stack ${values.stack}: Cognito emailed a temporary password; they sign in${where}, choose a password and set up an authenticator app\n`
      : `${username} already had an account in stack ${values.stack}: added to ${group}\n`,
  );
  return 0;
}

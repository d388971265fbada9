/** Dev tokens: role names and short forms (`User` is the plain user, never User Administrator), a user's own token, the sign-in hook's app token. */
import { decodeJwt } from 'jose';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { AppRole, DirectoryRole } from '../../shared/domain/roles';

process.env.DEV_KEY_FILE = join(tmpdir(), `dev-tokens-unit-${process.pid}.json`);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { mintDevToken, parseDevRole } = require('../../local/devTokens') as typeof import('../../local/devTokens');

test.each([
  ['User', 'User'],
  ['user', 'User'],
  ['Global', 'GlobalAdministrator'],
  ['GlobalAdministrator', 'GlobalAdministrator'],
  ['license-admin', 'LicenseAdministrator'],
  ['UserAdmin', 'UserAdministrator'],
  ['User Administrator', 'UserAdministrator'],
  ['billing', 'BillingAdministrator'],
  ['reader', 'GlobalReader'],
  ['SignInEvents', 'SignInEvents'],
  ['Scim', 'Scim'],
  ['App', 'App'],
  ['nobody', undefined],
  ['admin', undefined],
])('parseDevRole(%s) = %s', (input, role) => {
  expect(parseDevRole(input)).toBe(role);
});

const base = { tenantId: 'c0ffee00-0000-4000-8000-00000000de70', issuer: 'https://login.dev.local/{tenantid}/v2.0', audience: 'api://x' };

test("a User token carries no directory role; --user makes it that user's own (oid, name, UPN)", async () => {
  const claims = decodeJwt(
    await mintDevToken({ ...base, role: 'User', objectId: '3ff1c169-7165-41ba-a679-3c2d1f2a4329', name: 'Alex Wilber', username: 'alexw@contoso.dev' }),
  );
  expect(claims).toMatchObject({
    idtyp: 'user',
    wids: [],
    oid: '3ff1c169-7165-41ba-a679-3c2d1f2a4329',
    name: 'Alex Wilber',
    preferred_username: 'alexw@contoso.dev',
  });
  const admin = decodeJwt(await mintDevToken({ ...base, role: 'UserAdministrator', objectId: '3ff1c169-7165-41ba-a679-3c2d1f2a4329' }));
  expect(admin).toMatchObject({ wids: [DirectoryRole.UserAdministrator], oid: '3ff1c169-7165-41ba-a679-3c2d1f2a4329' });
});

test('SignInEvents is an app-only token with SignInEvents.Write and nothing else', async () => {
  const claims = decodeJwt(await mintDevToken({ ...base, role: 'SignInEvents' }));
  expect(claims).toMatchObject({ idtyp: 'app', roles: [AppRole.SignInEventsWrite] });
  expect(claims.wids).toBeUndefined();
});

test('Scim is an app-only token with ScimProvisioning.ReadWrite.All and nothing else', async () => {
  const claims = decodeJwt(await mintDevToken({ ...base, role: 'Scim' }));
  expect(claims).toMatchObject({ idtyp: 'app', roles: [AppRole.ScimProvisioning] });
  expect(claims.wids).toBeUndefined();
});

/**
 * Sovereign clouds, per cloud, on stacks of their own with AZURE_CLOUD set and no AUTH_ISSUER (the cloud's
 * own issuers, as in Azure; tokens signed with the dev key, which only the local host's JWKS trusts):
 * the cloud's v2 and v1 token issuers are accepted, a token from another cloud's issuer is a 401 that
 * names both clouds, the organizations set up are the cloud's, and what the catalog does not sell in the
 * cloud is neither listed nor bought (operator and self-service purchases: 409), while what it sells there (a
 * US Government product of Microsoft's table, by its part number; an operator's own product sold in China) is
 * listed, bought, assigned and its plans listed. The worldwide cloud's
 * side runs on the shared test stack (its dev issuer) and in test/unit/clouds.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { DevRole, mintDevToken } from '../../local/devTokens';
import { AzureCloudName, CLOUDS, issuersOf } from '../../shared/domain/clouds';
import { testStackEnv } from '../env';
import { call, newTenant, SKU, signedToken } from '../helpers';
import { OwnStack, startOwnStack } from '../ownStack';

const ISSUER_TEMPLATES: Record<AzureCloudName, { v2: string; v1: string }> = {
  AzureCloud: { v2: 'https://login.microsoftonline.com/{tenantid}/v2.0', v1: 'https://sts.windows.net/{tenantid}/' },
  AzureUSGovernment: { v2: 'https://login.microsoftonline.us/{tenantid}/v2.0', v1: 'https://login.microsoftonline.us/{tenantid}/' },
  AzureChinaCloud: { v2: 'https://login.partner.microsoftonline.cn/{tenantid}/v2.0', v1: 'https://sts.chinacloudapi.cn/{tenantid}/' },
};

function cloudStack(cloud: AzureCloudName, offset: number) {
  let stack: OwnStack;
  const mint = (role: DevRole, tenantId: string, issuer = ISSUER_TEMPLATES[cloud].v2, audience = testStackEnv.AUTH_AUDIENCE) =>
    mintDevToken({ role, tenantId, issuer, audience });
  const api = (path: string) => `${stack.api}${path}`;
  const ctx = {
    start: async () => {
      stack = await startOwnStack(offset, { AZURE_CLOUD: cloud, AUTH_ISSUER: '' });
    },
    stop: () => stack?.stop(),
    mint,
    api,
    operator: () => mint('Operator', testStackEnv.OPERATOR_TENANT_ID),
    async organization(body: Record<string, unknown> = {}) {
      const r = await call('POST', api('/v1.0/tenants'), { token: await ctx.operator(), body: { displayName: `${cloud} org`, ...body } });
      return r;
    },
  };
  return ctx;
}

describe.each<[AzureCloudName, number, string]>([
  ['AzureUSGovernment', 220, 'USGovernment'],
  ['AzureChinaCloud', 230, 'China'],
])('a deployment in %s', (cloud, offset, organizationCloud) => {
  const s = cloudStack(cloud, offset);
  let tenantId: string;
  beforeAll(async () => {
    await s.start();
    const created = await s.organization();
    expect(created.status).toBe(201);
    tenantId = created.body.id;
  });
  afterAll(() => s.stop());

  test(`sets up organizations of its own cloud (${organizationCloud}), and refuses another cloud's, naming the deployment that serves it`, async () => {
    const org = await call('GET', s.api('/v1.0/organization'), { token: await s.mint('GlobalReader', tenantId) });
    expect(org.status).toBe(200);
    expect(org.body.value[0].cloud).toBe(organizationCloud);
    const worldwide = await s.organization({ cloud: 'Worldwide' });
    expect([worldwide.status, worldwide.body.error.code, worldwide.body.error.target]).toEqual([409, 'cloudNotServed', 'cloud']);
    expect(worldwide.body.error.message).toMatch(
      new RegExp(`This deployment is in .*\\(AZURE_CLOUD=${cloud}\\).*an organization in Worldwide is set up by the deployment in AzureCloud`),
    );
  });

  test("accepts Entra ID's v2 and v1 tokens of its own cloud", async () => {
    for (const issuer of [ISSUER_TEMPLATES[cloud].v2, ISSUER_TEMPLATES[cloud].v1]) {
      const r = await call('GET', s.api('/v1.0/organization'), { token: await s.mint('GlobalReader', tenantId, issuer) });
      expect([issuer, r.status]).toEqual([issuer, 200]);
    }
  });

  test.each<AzureCloudName>(['AzureCloud', 'AzureUSGovernment', 'AzureChinaCloud'].filter((c) => c !== cloud) as AzureCloudName[])(
    "a token from %s's issuer (v2 and v1) is a 401 that says where it is from and what this deployment takes",
    async (other) => {
      for (const issuer of [ISSUER_TEMPLATES[other].v2, ISSUER_TEMPLATES[other].v1]) {
        const r = await call('GET', s.api('/v1.0/organization'), { token: await s.mint('GlobalReader', tenantId, issuer) });
        expect(r.status).toBe(401);
        expect(r.headers.get('www-authenticate')).toMatch(/invalid_token/);
        expect(r.body.error.code).toBe('InvalidAuthenticationToken');
        expect(r.body.error.message).toContain(`issued by Microsoft Entra ID in ${CLOUDS[other].displayName} (${other})`);
        expect(r.body.error.message).toContain(`(AZURE_CLOUD=${cloud}) and accepts tokens issued there only`);
      }
    },
  );

  test('an issuer of no cloud (a dev issuer, another tenant in the right cloud) is refused on the iss claim', async () => {
    const dev = await call('GET', s.api('/v1.0/organization'), { token: await s.mint('GlobalReader', tenantId, testStackEnv.AUTH_ISSUER) });
    expect([dev.status, dev.body.error.message]).toEqual([401, 'Access token is not valid for this API (iss claim).']);
    // the right cloud, but the issuer names another tenant than the token's tid
    const otherTenant = issuersOf(cloud, randomUUID())[0];
    const mixed = await call('GET', s.api('/v1.0/organization'), { token: await signedToken({ tid: tenantId }, {}, { issuer: otherTenant }) });
    expect(mixed.status).toBe(401);
  });

  test("sells only what the catalog sells in the cloud: today's worldwide products are neither listed nor bought, by the operator or self-service", async () => {
    // the organization's readers see what is sold here (nothing of the demo's catalog); the operator sees it all
    const catalog = await call('GET', s.api('/v1.0/catalog/products'), { token: await s.mint('GlobalReader', tenantId) });
    expect([catalog.status, catalog.body.value]).toEqual([200, []]);
    const all = await call('GET', s.api('/v1.0/catalog/products'), { token: await s.operator() });
    expect(all.body.value.map((p: any) => p.skuId)).toEqual(expect.arrayContaining(Object.values(SKU)));
    const operatorBuys = await call('POST', s.api(`/v1.0/tenants/${tenantId}/subscriptions`), {
      token: await s.operator(),
      body: { skuId: SKU.E3, totalLicenses: 5 },
    });
    expect([operatorBuys.status, operatorBuys.body.error.code, operatorBuys.body.error.target]).toEqual([409, 'productNotSoldInCloud', 'skuId']);
    expect(operatorBuys.body.error.message).toContain(`Office 365 E3 (ENTERPRISEPACK) is not sold in ${CLOUDS[cloud].displayName}`);
    expect(operatorBuys.body.error.message).toContain('it is sold in AzureCloud. Products on offer here: none.');
    // a client says it in its own words from the detail's parameters (docs/errors.md)
    expect(operatorBuys.body.error.details).toEqual([
      expect.objectContaining({ code: 'productNotSoldInCloud', target: 'skuId', parameters: { skuId: SKU.E3 } }),
    ]);
    const selfService = await call('POST', s.api('/v1.0/directory/subscriptions'), {
      token: await s.mint('BillingAdministrator', tenantId),
      body: { skuPartNumber: 'STANDARDPACK', totalLicenses: 1 },
    });
    expect([selfService.status, selfService.body.error.code, selfService.body.error.target]).toEqual([409, 'productNotSoldInCloud', 'skuPartNumber']);
    // nothing was bought
    expect((await call('GET', s.api('/v1.0/subscribedSkus'), { token: await s.mint('GlobalReader', tenantId) })).body.value).toEqual([]);
  });

  test("sells what the catalog sells in the cloud: the cloud's product is listed, bought, assigned and its plans listed", async () => {
    const operator = await s.operator();
    let skuId: string;
    let planIds: string[];
    if (cloud === 'AzureUSGovernment') {
      // Microsoft's table as published (BOM, CRLF): its GCC High edition of E3, whose part number marks the US Government cloud
      skuId = 'aea38a85-9bd5-4981-aa00-616b411205bf';
      const rows = [
        ['EXCHANGE_S_ENTERPRISE', 'efb87545-963c-4e0d-99df-69c6916d9eb0', 'Exchange Online (Plan 2)'],
        ['RMS_S_ENTERPRISE', 'bea4c11e-220a-4e6d-8eb8-8ea15d019f90', 'Microsoft Microsoft Entra Rights'],
        ['PROJECTWORKMANAGEMENT', 'b737dad2-2f6c-4c65-90e3-ca563267e8b9', 'Microsoft Planner'],
        ['STREAM_O365_E3', '9e700747-8b1d-45e5-ab8d-ef187ceec156', 'Microsoft Stream for O365 E3 SKU'],
        ['TEAMS_AR_GCCHIGH', '9953b155-8aef-4c56-92f3-72b0487fce41', 'Microsoft Teams for GCCHigh (AR)'],
      ];
      planIds = rows.map((r) => r[1]);
      const csv =
        '\ufeffProduct_Display_Name,String_Id,GUID,Service_Plan_Name,Service_Plan_Id,Service_Plans_Included_Friendly_Names\r\n' +
        rows.map(([name, id, friendly]) => `Office 365 E3_USGOV_GCCHIGH,ENTERPRISEPACK_USGOV_GCCHIGH,${skuId},${name},${id},${friendly}\r\n`).join('');
      const imported = await call('POST', s.api('/v1.0/catalog/import'), { token: operator, rawBody: csv, headers: { 'content-type': 'text/csv' } });
      expect(imported.status).toBe(201);
    } else {
      // the operator's own product, sold in this cloud only
      skuId = randomUUID();
      planIds = [randomUUID(), randomUUID()];
      const put = await call('PUT', s.api(`/v1.0/catalog/products/${skuId}`), {
        token: operator,
        body: {
          skuPartNumber: 'CONTOSO_CN_DESK',
          displayName: 'Contoso service desk (China)',
          clouds: [cloud],
          servicePlans: planIds.map((id, i) => ({ servicePlanId: id, servicePlanName: `CN_DESK_${i}`, displayName: `Service desk ${i}` })),
        },
      });
      expect(put.status).toBe(201);
    }
    // listed for the organization's readers (and only it: the demo's products are sold worldwide)
    const reader = await s.mint('GlobalReader', tenantId);
    const listed = await call('GET', s.api('/v1.0/catalog/products'), { token: reader });
    expect(listed.body.value.map((p: any) => [p.skuId, p.clouds])).toEqual([[skuId, [cloud]]]);
    // bought by the operator, assigned to a member, its plans in licenseDetails
    const bought = await call('POST', s.api(`/v1.0/tenants/${tenantId}/subscriptions`), { token: operator, body: { skuId, totalLicenses: 3 } });
    expect(bought.status).toBe(201);
    const user = await call('POST', s.api('/v1.0/users'), {
      token: await s.mint('GlobalAdministrator', tenantId),
      body: { displayName: 'Avery Cloud', userPrincipalName: `avery-${randomUUID().slice(0, 6)}@cloud.dev`, usageLocation: 'US' },
    });
    expect(user.status).toBe(201);
    const assigned = await call('POST', s.api(`/v1.0/users/${user.body.id}/assignLicense`), {
      token: await s.mint('LicenseAdministrator', tenantId),
      body: { addLicenses: [{ skuId, disabledPlans: [] }], removeLicenses: [] },
    });
    expect(assigned.status).toBe(200);
    const details = await call('GET', s.api(`/v1.0/users/${user.body.id}/licenseDetails`), { token: reader });
    expect(details.body.value.map((d: any) => [d.skuId, d.servicePlans.map((p: any) => p.servicePlanId)])).toEqual([[skuId, planIds]]);
    const seats = await call('GET', s.api('/v1.0/subscribedSkus'), { token: reader });
    expect(seats.body.value.map((k: any) => [k.skuId, k.consumedUnits])).toEqual([[skuId, 1]]);
  });

  test("Entra ID's token for the custom authentication extension is the cloud's too", async () => {
    const event = {
      type: 'microsoft.graph.authenticationEvent.tokenIssuanceStart',
      source: `/tenants/${tenantId}/applications/00001111-aaaa-2222-bbbb-3333cccc4444`,
      data: {
        '@odata.type': 'microsoft.graph.onTokenIssuanceStartCalloutData',
        tenantId,
        authenticationEventListenerId: randomUUID(),
        customAuthenticationExtensionId: randomUUID(),
        authenticationContext: {
          correlationId: randomUUID(),
          protocol: 'OAUTH2.0',
          clientServicePrincipal: { id: randomUUID(), appId: '00001111-aaaa-2222-bbbb-3333cccc4444' },
          resourceServicePrincipal: { id: randomUUID(), appId: '00001111-aaaa-2222-bbbb-3333cccc4444' },
          user: { id: randomUUID(), userPrincipalName: 'nobody@gov.dev' },
        },
      },
    };
    const send = async (issuer: string) =>
      call('POST', s.api('/v1.0/authenticationEvents/tokenIssuanceStart'), {
        token: await s.mint('AuthenticationEvents', tenantId, issuer, testStackEnv.AUTH_EVENTS_AUDIENCE),
        body: event,
      });
    expect((await send(ISSUER_TEMPLATES[cloud].v2)).status).toBe(200);
    const worldwide = await send(ISSUER_TEMPLATES.AzureCloud.v2);
    expect([worldwide.status, worldwide.body.error.message]).toEqual([401, expect.stringContaining('(AzureCloud)')]);
  });
});

describe('the worldwide deployment (the shared test stack: AZURE_CLOUD AzureCloud, its dev issuer)', () => {
  test.each<AzureCloudName>(['AzureUSGovernment', 'AzureChinaCloud'])("refuses a token from %s's issuer, saying so", async (other) => {
    const t = await newTenant(`Worldwide org (${other})`);
    for (const issuer of [ISSUER_TEMPLATES[other].v2, ISSUER_TEMPLATES[other].v1]) {
      const r = await call('GET', '/v1.0/organization', {
        token: await mintDevToken({ role: 'GlobalReader', tenantId: t.id, issuer, audience: testStackEnv.AUTH_AUDIENCE }),
      });
      expect(r.status).toBe(401);
      expect(r.body.error.message).toContain(`(${other}); this deployment is in ${CLOUDS.AzureCloud.displayName} (AZURE_CLOUD=AzureCloud)`);
    }
    // its own organizations are the worldwide cloud's, and every product of today's catalog is on offer
    expect((await call('GET', '/v1.0/organization', { token: t.tokens.reader })).body.value[0].cloud).toBe('Worldwide');
    expect((await call('GET', '/v1.0/catalog/products', { token: t.tokens.reader })).body.value.map((p: any) => p.skuId)).toEqual(
      expect.arrayContaining(Object.values(SKU)),
    );
  });
});

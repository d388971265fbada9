/** Finding 10 (low): Cosmos DB and Storage took public traffic from anywhere, and the data role covered the whole Cosmos DB account. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const bicep = (name: string) => readFileSync(join(__dirname, '..', '..', 'infra', name), 'utf8');

test('the Cosmos DB data role is scoped to the database, not the account', () => {
  const cosmos = bicep('modules/cosmos.bicep');
  const assignment = cosmos.slice(cosmos.indexOf('resource appDataContributor'), cosmos.indexOf('\n}', cosmos.indexOf('resource appDataContributor')));
  expect(assignment).toMatch(/scope: '\$\{account\.id\}\/dbs\/\$\{database\.name\}'/);
  expect(assignment).not.toMatch(/scope: account\.id/);
});

test('network access is a parameter: isolated, Cosmos DB and Storage refuse public traffic and the app uses private endpoints', () => {
  const main = bicep('main.bicep');
  expect(main).toMatch(/param networkIsolation bool = false/);
  expect(main).toMatch(/param allowedIpRanges array = \[\]/);
  expect(main).toMatch(/module network '\.\/modules\/network\.bicep' = if \(networkIsolation\)/);
  expect(main).toMatch(/virtualNetworkSubnetId: networkIsolation \? network!\.outputs\.appSubnetId : ''/);
  const cosmos = bicep('modules/cosmos.bicep');
  expect(cosmos).toMatch(/publicNetworkAccess: networkIsolation && empty\(allowedIpRanges\) \? 'Disabled' : 'Enabled'/);
  expect(cosmos).toMatch(/ipRules: networkIsolation \? \[for ip in allowedIpRanges/);
  const storage = bicep('modules/storage.bicep');
  expect(storage).toMatch(/defaultAction: networkIsolation \? 'Deny' : 'Allow'/);
  const network = bicep('modules/network.bicep');
  for (const groupId of ["'Sql'", "'blob'", "'queue'"]) expect(network).toContain(`groupId: ${groupId}`);
  expect(network).toMatch(/serviceName: 'Microsoft\.App\/environments'/);
  const params = JSON.parse(bicep('main.parameters.json')).parameters;
  expect(params.networkIsolation.value).toBe('${NETWORK_ISOLATION=false}');
  expect(params.allowedIpRanges.value).toBe('${ALLOWED_IP_RANGES=[]}');
});

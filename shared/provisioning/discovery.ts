/**
 * SCIM's discovery endpoints (RFC 7644 section 4, RFC 7643 sections 5-7): what this service supports
 * (ServiceProviderConfig), its resource types, and the schemas of exactly the attributes it keeps, so a
 * provider (and an admin mapping attributes) sees what is stored and what is ignored.
 */
import { ScimError, SCIM_SCHEMA } from './errors';
import { MAX_COUNT } from './resources';
import { MAX_FILTER_LENGTH } from './filter';

interface Attribute {
  name: string;
  type: 'string' | 'boolean' | 'complex' | 'reference' | 'dateTime';
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
  returned: 'always' | 'never' | 'default' | 'request';
  uniqueness: 'none' | 'server' | 'global';
  subAttributes?: Attribute[];
  referenceTypes?: string[];
}

const attr = (name: string, description: string, o: Partial<Attribute> = {}): Attribute => ({
  name,
  type: 'string',
  multiValued: false,
  description,
  required: false,
  caseExact: false,
  mutability: 'readWrite',
  returned: 'default',
  uniqueness: 'none',
  ...o,
});

const USER: Attribute[] = [
  attr(
    'userName',
    "Unique in the organization. Becomes the user's principal name: as sent when it is name@domain, else with the organization's domain added.",
    {
      required: true,
      uniqueness: 'server',
    },
  ),
  attr('name', "The user's name.", {
    type: 'complex',
    subAttributes: [attr('givenName', 'Given name (at most 64 characters).'), attr('familyName', 'Family name (at most 64 characters).')],
  }),
  attr('displayName', 'The name shown in the admin center (at most 256 characters).'),
  attr('title', 'Job title (at most 128 characters).'),
  attr('active', 'false disables the account: its licenses can be reclaimed by the organization\'s reclaim policy. Also "True" / "False".', {
    type: 'boolean',
  }),
  attr('emails', 'One email is kept: the work one (else the primary, else the first).', {
    multiValued: true,
    type: 'complex',
    subAttributes: [attr('value', 'The address.'), attr('type', 'Always "work" here.'), attr('primary', 'Always true here.', { type: 'boolean' })],
  }),
  attr('groups', 'The groups the user is a direct member of (change them through /Groups).', {
    multiValued: true,
    type: 'complex',
    mutability: 'readOnly',
    subAttributes: [
      attr('value', 'The group id.', { mutability: 'readOnly' }),
      attr('display', 'The group name.', { mutability: 'readOnly' }),
      attr('$ref', 'The group.', { type: 'reference', referenceTypes: ['Group'], mutability: 'readOnly' }),
    ],
  }),
];

const ENTERPRISE: Attribute[] = [
  attr('employeeNumber', 'Employee id (Graph employeeId, at most 16 characters).'),
  attr('department', 'Department (at most 64 characters).'),
  attr('manager', "The user's manager: another user of the organization.", {
    type: 'complex',
    subAttributes: [attr('value', "The manager's id."), attr('$ref', 'The manager.', { type: 'reference', referenceTypes: ['User'] })],
  }),
];

const LICENSING: Attribute[] = [
  attr('usageLocation', "Two-letter country code (ISO 3166-1) where the user uses their licenses; licenses need one. Map Entra ID's usageLocation here."),
];

const GROUP: Attribute[] = [
  attr('displayName', "The group's name: unique among the organization's groups.", { required: true, uniqueness: 'server' }),
  attr('members', 'Users in the group; they inherit the products the group carries.', {
    multiValued: true,
    type: 'complex',
    subAttributes: [
      attr('value', 'The user id.', { mutability: 'immutable' }),
      attr('display', "The user's name.", { mutability: 'readOnly' }),
      attr('$ref', 'The user.', { type: 'reference', referenceTypes: ['User'], mutability: 'immutable' }),
    ],
  }),
];

const schema = (base: string, id: string, name: string, description: string, attributes: Attribute[]) => ({
  schemas: [SCIM_SCHEMA.schema],
  id,
  name,
  description,
  attributes,
  meta: { resourceType: 'Schema', location: `${base}/Schemas/${id}` },
});

export function scimSchemas(base: string) {
  return [
    schema(base, SCIM_SCHEMA.user, 'User', 'User Account', USER),
    schema(base, SCIM_SCHEMA.enterpriseUser, 'EnterpriseUser', 'Enterprise User', ENTERPRISE),
    schema(base, SCIM_SCHEMA.licensingUser, 'LicensingUser', 'What licensing needs of a user', LICENSING),
    schema(base, SCIM_SCHEMA.group, 'Group', 'Group', GROUP),
  ];
}

export function scimResourceTypes(base: string) {
  return [
    {
      schemas: [SCIM_SCHEMA.resourceType],
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      description: 'User Account',
      schema: SCIM_SCHEMA.user,
      schemaExtensions: [
        { schema: SCIM_SCHEMA.enterpriseUser, required: false },
        { schema: SCIM_SCHEMA.licensingUser, required: false },
      ],
      meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/User` },
    },
    {
      schemas: [SCIM_SCHEMA.resourceType],
      id: 'Group',
      name: 'Group',
      endpoint: '/Groups',
      description: 'Group',
      schema: SCIM_SCHEMA.group,
      schemaExtensions: [],
      meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/Group` },
    },
  ];
}

export function serviceProviderConfig(base: string) {
  return {
    schemas: [SCIM_SCHEMA.serviceProviderConfig],
    documentationUri: `${base.replace(/\/api\/scim\/v2$/, '')}/api/openapi.json`,
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_COUNT },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: `A SCIM credential of the organization (Settings > Provisioning), or an Entra ID app-only token for this API with the ScimProvisioning.ReadWrite.All permission. Filters up to ${MAX_FILTER_LENGTH} characters.`,
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${base}/ServiceProviderConfig` },
  };
}

/** One schema or resource type by id (case-insensitive), or SCIM's 404. */
export function byId<T extends { id: string }>(items: T[], id: string, what: string): T {
  const found = items.find((i) => i.id.toLowerCase() === id.toLowerCase());
  if (!found) throw new ScimError(404, undefined, `${what} ${id} does not exist here.`, id);
  return found;
}

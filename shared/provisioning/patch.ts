/**
 * SCIM PATCH (RFC 7644 section 3.5.2) on what this service keeps of a user or a group, with what Entra ID
 * and Okta actually send:
 * - `op` in any case (`Replace`, `Add`, `Remove`: Entra ID without aadOptscim062020);
 * - booleans as the strings "True" / "False" (Entra ID's `active`);
 * - a replace or add without a path, its value an object whose keys are attribute paths, dotted or
 *   schema-qualified (`"name.givenName"`, `"urn:...:enterprise:2.0:User:employeeNumber"`), or whole
 *   extensions (Entra ID with the flag, Okta's `{ "active": false }` and `{ "id", "displayName" }`);
 * - value filters in paths (`emails[type eq "work"].value`);
 * - the manager as `[{ "value": id }]`, `{ "value": id }` or `id`;
 * - group members added and removed by value lists (Entra ID's `"Remove"` with `path: "members"` and a
 *   value list removes those members, not all), by filter (`members[value eq "..."]`), all at once
 *   (`remove` of `members` without a value), or replaced (Okta's full push).
 * Every operation is parsed and checked before anything is applied, so a malformed patch changes nothing.
 * An attribute this service does not keep is ignored; a read-only one (id, meta, groups) is SCIM's
 * `mutability` error unless the value is the one it has.
 *
 * Why not scim-patch (the npm library): it patches a schema-less JSON document, so attribute names are
 * case-sensitive, Entra ID's `{ "$ref": null, "value": id }` member entries are compared whole against the
 * stored ones (and never match), and a value object's key path is followed wherever it leads (`__proto__`
 * included); a group's members would have to be loaded whole to be patched. Operations on the few
 * attributes kept, mapped one by one, are shorter than those workarounds.
 */
import { scimError, SCIM_SCHEMA } from './errors';
import { attrPath, parsePath, PatchPath, ScimFilter } from './filter';
import { own } from './query';
import { emailOf, FieldName, fieldValue, member, UserFields } from './users';

export type Op = 'add' | 'replace' | 'remove';

export interface PatchOperation {
  op: Op;
  /** Undefined: the value is an object of attribute paths. */
  path?: PatchPath;
  value: unknown;
}

const MAX_OPERATIONS = 1000;

/** A PatchOp body's operations, each checked (invalidSyntax, invalidPath, noTarget). */
export function patchOperations(body: Record<string, unknown>): PatchOperation[] {
  const schemas = member(body, 'schemas');
  if (
    schemas.found &&
    !(Array.isArray(schemas.value) && schemas.value.some((s) => typeof s === 'string' && s.toLowerCase() === SCIM_SCHEMA.patchOp.toLowerCase()))
  )
    throw scimError('invalidSyntax', `A PATCH body's schemas must be ["${SCIM_SCHEMA.patchOp}"].`, 'schemas');
  const list = member(body, 'Operations').value;
  if (!Array.isArray(list) || !list.length)
    throw scimError('invalidSyntax', 'A PATCH body needs "Operations": a list of { "op", "path", "value" }.', 'Operations');
  if (list.length > MAX_OPERATIONS) throw scimError('invalidSyntax', `A PATCH body can carry at most ${MAX_OPERATIONS} operations.`, 'Operations');
  return list.map((raw, i) => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
      throw scimError('invalidSyntax', `Operations[${i}] must be an object.`, `Operations[${i}]`);
    const o = raw as Record<string, unknown>;
    const opText = member(o, 'op').value;
    const op = typeof opText === 'string' ? opText.toLowerCase() : undefined;
    if (op !== 'add' && op !== 'replace' && op !== 'remove')
      throw scimError('invalidSyntax', `Operations[${i}].op must be add, replace or remove, not ${JSON.stringify(opText)}.`, `Operations[${i}].op`);
    const pathText = member(o, 'path').value;
    if (pathText !== undefined && pathText !== null && typeof pathText !== 'string')
      throw scimError('invalidPath', `Operations[${i}].path must be a string.`, `Operations[${i}].path`);
    const value = member(o, 'value');
    if (op === 'remove' && !pathText)
      throw scimError('noTarget', `Operations[${i}]: a remove needs a path (the attribute to remove).`, `Operations[${i}].path`);
    if (op !== 'remove' && !value.found) throw scimError('invalidSyntax', `Operations[${i}]: an ${op} needs a value.`, `Operations[${i}].value`);
    if (op !== 'remove' && !pathText && (value.value === null || typeof value.value !== 'object' || Array.isArray(value.value)))
      throw scimError('invalidSyntax', `Operations[${i}]: an ${op} without a path needs an object of attributes as its value.`, `Operations[${i}].value`);
    return { op, path: pathText ? parsePath(pathText) : undefined, value: value.value };
  });
}

/** A value object's keys as paths: whole extensions by their URN, the rest parsed as paths. */
function pathOfKey(key: string): PatchPath | 'enterprise' | 'licensing' {
  const lower = key.toLowerCase();
  if (lower === SCIM_SCHEMA.enterpriseUser.toLowerCase()) return 'enterprise';
  if (lower === SCIM_SCHEMA.licensingUser.toLowerCase()) return 'licensing';
  return parsePath(key);
}

const isExtension = (p: PatchPath, urn: string) => !p.filter && !p.path.sub && `${p.path.uri}:${p.path.attr}` === urn.toLowerCase();

/** Whether a value filter on emails picks the one (work, primary) email this service keeps. */
function picksWorkEmail(f: ScimFilter | undefined): boolean {
  if (!f) return true;
  switch (f.kind) {
    case 'and':
      return picksWorkEmail(f.left) && picksWorkEmail(f.right);
    case 'or':
      return picksWorkEmail(f.left) || picksWorkEmail(f.right);
    case 'not':
      return !picksWorkEmail(f.expr);
    case 'compare':
      if (f.path.attr === 'type')
        return f.op === 'eq' ? String(f.value).toLowerCase() === 'work' : f.op === 'ne' ? String(f.value).toLowerCase() !== 'work' : true;
      if (f.path.attr === 'primary') return f.op === 'eq' ? f.value === true || String(f.value).toLowerCase() === 'true' : true;
      return true;
    default:
      return true;
  }
}

type UserTarget =
  | { kind: 'field'; field: FieldName }
  | { kind: 'name' }
  | { kind: 'emails'; sub?: string; filter?: ScimFilter }
  | { kind: 'extension'; urn: string; fields: FieldName[] }
  | { kind: 'readOnly'; attribute: string }
  | { kind: 'ignored' };

const CORE_USER_FIELDS: Record<string, FieldName> = {
  username: 'userName',
  externalid: 'externalId',
  active: 'active',
  displayname: 'displayName',
  title: 'title',
  // Entra ID's older requests name the enterprise attributes without their schema
  employeenumber: 'employeeNumber',
  department: 'department',
  manager: 'manager',
};
const ENTERPRISE_FIELDS: Record<string, FieldName> = { employeenumber: 'employeeNumber', department: 'department', manager: 'manager' };
const READ_ONLY = new Set(['id', 'meta', 'groups', 'schemas']);
const ENTERPRISE_EXTENSION: UserTarget = { kind: 'extension', urn: SCIM_SCHEMA.enterpriseUser, fields: ['employeeNumber', 'department', 'manager'] };
const LICENSING_EXTENSION: UserTarget = { kind: 'extension', urn: SCIM_SCHEMA.licensingUser, fields: ['usageLocation'] };

function userTarget(p: PatchPath): UserTarget {
  if (isExtension(p, SCIM_SCHEMA.enterpriseUser)) return ENTERPRISE_EXTENSION;
  if (isExtension(p, SCIM_SCHEMA.licensingUser)) return LICENSING_EXTENSION;
  const { uri, attr, sub } = p.path;
  if (uri === SCIM_SCHEMA.enterpriseUser.toLowerCase()) {
    const field = own(ENTERPRISE_FIELDS, attr);
    return field && (!sub || (field === 'manager' && sub === 'value')) ? { kind: 'field', field } : { kind: 'ignored' };
  }
  if (uri === SCIM_SCHEMA.licensingUser.toLowerCase())
    return attr === 'usagelocation' && !sub ? { kind: 'field', field: 'usageLocation' } : { kind: 'ignored' };
  if (uri && uri !== SCIM_SCHEMA.user.toLowerCase()) return { kind: 'ignored' };
  if (READ_ONLY.has(attr)) return { kind: 'readOnly', attribute: p.path.text };
  if (attr === 'name') {
    if (!sub) return { kind: 'name' };
    return sub === 'givenname' ? { kind: 'field', field: 'givenName' } : sub === 'familyname' ? { kind: 'field', field: 'familyName' } : { kind: 'ignored' };
  }
  if (attr === 'emails') return { kind: 'emails', sub: p.sub ?? sub, filter: p.filter };
  const field = own(CORE_USER_FIELDS, attr);
  return field && (!sub || (field === 'manager' && sub === 'value')) && !p.filter ? { kind: 'field', field } : { kind: 'ignored' };
}

const asObject = (v: unknown, what: string): Record<string, unknown> => {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw scimError('invalidValue', `${what} takes an object as its value.`, what);
  return v as Record<string, unknown>;
};

/** Applies the operations in order to a user's fields (a copy); `id` is the user's, which a value object may repeat. */
export function applyUserPatch(current: UserFields, ops: PatchOperation[], id: string): UserFields {
  const next: UserFields = { ...current };
  const set = (field: FieldName, raw: unknown) => {
    (next as unknown as Record<string, unknown>)[field] = fieldValue(field, raw);
  };
  const apply = (op: Op, target: UserTarget, value: unknown, text: string) => {
    switch (target.kind) {
      case 'ignored':
        return;
      case 'readOnly':
        // Okta's replace repeats the id; anything else read-only cannot change
        if (op !== 'remove' && text.toLowerCase() === 'id' && typeof value === 'string' && value.toLowerCase() === id) return;
        throw scimError('mutability', `${target.attribute} is read-only and cannot be changed.`, target.attribute);
      case 'field':
        return set(target.field, op === 'remove' ? null : value);
      case 'name': {
        if (op === 'remove') return (set('givenName', null), set('familyName', null));
        const n = asObject(value, 'name');
        for (const [sub, field] of [
          ['givenName', 'givenName'],
          ['familyName', 'familyName'],
        ] as const) {
          const m = member(n, sub);
          if (m.found) set(field, m.value);
        }
        return;
      }
      case 'emails': {
        if (!picksWorkEmail(target.filter)) return; // another type of email: not kept
        if (target.sub && target.sub !== 'value') return; // type, primary, display: fixed here
        if (op === 'remove') return set('email', null);
        if (target.sub || target.filter) {
          const v = target.sub
            ? value
            : value !== null && typeof value === 'object' && !Array.isArray(value)
              ? member(value as Record<string, unknown>, 'value').value
              : value;
          return set('email', v);
        }
        const email = emailOf(value);
        if (email || op === 'replace') next.email = email;
        return;
      }
      case 'extension': {
        if (op === 'remove') return target.fields.forEach((f) => set(f, null));
        const obj = asObject(value, text);
        // the extension's own attributes, named without its URN
        for (const [k, v] of Object.entries(obj)) {
          const t = userTarget(parsePath(`${target.urn}:${k}`));
          if (t.kind === 'field' && target.fields.includes(t.field)) set(t.field, v);
        }
        return;
      }
    }
  };
  for (const o of ops) {
    if (o.path) {
      apply(o.op, userTarget(o.path), o.value, o.path.path.text);
      continue;
    }
    for (const [key, value] of Object.entries(o.value as Record<string, unknown>)) {
      const p = pathOfKey(key);
      const target: UserTarget = p === 'enterprise' ? ENTERPRISE_EXTENSION : p === 'licensing' ? LICENSING_EXTENSION : userTarget(p);
      apply(o.op, target, value, key);
    }
  }
  return next;
}

// ---------------- groups ----------------

/** What a PATCH does to a group: its name and externalId, and its members in the order the operations give. */
export interface GroupPatch {
  displayName?: string;
  externalId?: string | null;
  /**
   * The members after the patch: from the current ones (`base: 'current'`) or from none (`'empty'`: a
   * remove of all members or a replace), plus `add`, minus `remove`.
   */
  members: { base: 'current' | 'empty'; add: Set<string>; remove: Set<string> };
}

/** Member ids from a value: [{ "value": id, "display"?, "$ref"? }] (or one such object). */
function memberIds(value: unknown, where: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  return list.map((m, i) => {
    const v = m !== null && typeof m === 'object' ? member(m as Record<string, unknown>, 'value').value : undefined;
    if (typeof v !== 'string' || !v.trim()) throw scimError('invalidValue', `${where}[${i}] must be { "value": "<user id>" }.`, where);
    return v.trim().toLowerCase();
  });
}

/** The member a `members[value eq "id"]` filter names. */
function filteredMember(f: ScimFilter, text: string): string {
  if (f.kind === 'compare' && f.op === 'eq' && f.path.attr === 'value' && !f.path.sub && typeof f.value === 'string') return f.value.toLowerCase();
  throw scimError('invalidPath', `"${text}": members are picked by value only, like members[value eq "<user id>"].`, 'path');
}

/** The operations of a group PATCH folded into one change, checked before anything is applied. */
export function groupPatch(ops: PatchOperation[], id: string): GroupPatch {
  const out: GroupPatch = { members: { base: 'current', add: new Set(), remove: new Set() } };
  const m = out.members;
  const add = (ids: string[]) => ids.forEach((u) => (m.add.add(u), m.remove.delete(u)));
  const remove = (ids: string[]) => ids.forEach((u) => (m.remove.add(u), m.add.delete(u)));
  const clear = () => {
    m.base = 'empty';
    m.add.clear();
    m.remove.clear();
  };
  const apply = (op: Op, p: PatchPath, value: unknown, text: string) => {
    const { uri, attr, sub } = p.path;
    if (uri && uri !== SCIM_SCHEMA.group.toLowerCase()) return; // an extension this service does not keep
    if (attr === 'members') {
      if (sub && sub !== 'value') return;
      if (p.filter) {
        const who = filteredMember(p.filter, text);
        if (op === 'remove') return remove([who]);
        throw scimError('invalidPath', `"${text}": add or replace members with path "members" and a list of { "value": "<user id>" }.`, 'path');
      }
      if (op === 'add') return add(memberIds(value, 'members'));
      if (op === 'replace') return (clear(), add(memberIds(value, 'members')));
      // remove: with a value, those members (Entra ID); without, all of them
      return value === undefined || value === null ? clear() : remove(memberIds(value, 'members'));
    }
    if (attr === 'displayname' && !sub) {
      if (op === 'remove') throw scimError('invalidValue', 'displayName is required and cannot be removed.', 'displayName');
      if (typeof value !== 'string' || !value.trim() || value.length > 256)
        throw scimError('invalidValue', 'displayName must be a name of 1 to 256 characters.', 'displayName');
      out.displayName = value.trim();
      return;
    }
    if (attr === 'externalid' && !sub) {
      if (op === 'remove' || value === null) return void (out.externalId = null);
      if (typeof value !== 'string' || value.length > 256)
        throw scimError('invalidValue', 'externalId must be a string of at most 256 characters.', 'externalId');
      out.externalId = value;
      return;
    }
    if (READ_ONLY.has(attr)) {
      if (op !== 'remove' && attr === 'id' && typeof value === 'string' && value.toLowerCase() === id) return;
      throw scimError('mutability', `${text} is read-only and cannot be changed.`, text);
    }
  };
  for (const o of ops) {
    if (o.path) {
      apply(o.op, o.path, o.value, o.path.path.text);
      continue;
    }
    for (const [key, value] of Object.entries(o.value as Record<string, unknown>)) {
      const path = attrPath(key);
      if (!path) throw scimError('invalidPath', `"${key}" is not an attribute path.`, 'value');
      apply(o.op, { path }, value, key);
    }
  }
  return out;
}

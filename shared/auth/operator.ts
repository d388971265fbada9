/**
 * Who is the operator: the commerce / provisioning side that creates organizations and their purchases.
 * A multi-tenant API's app role can be granted by any organization to itself, so the `roles` claim alone
 * proves nothing about who the caller is. The operator is an app-only token (`idtyp: app`) issued in the
 * operator's own tenant (OPERATOR_TENANT_ID) to an allow-listed client (OPERATOR_CLIENT_IDS), carrying
 * Tenants.ReadWrite.All. Anything else is refused, with nothing said about which part failed.
 */
import { settings } from '../config';
import { ApiError, ErrorCodes } from '../errors';
import { AppRole, Principal } from '../domain/roles';

export function isOperator(principal: Principal): boolean {
  const s = settings();
  return (
    !!s.OPERATOR_TENANT_ID &&
    principal.isApp &&
    principal.tenantId === s.OPERATOR_TENANT_ID &&
    !!principal.clientId &&
    s.OPERATOR_CLIENT_IDS.includes(principal.clientId) &&
    principal.appRoles.includes(AppRole.TenantsManage)
  );
}

export function requireOperator(principal: Principal): void {
  if (isOperator(principal)) return;
  throw new ApiError(
    403,
    ErrorCodes.insufficientRole,
    "Only the operator's provisioning application may call this: an app-only token from the operator tenant, issued to an allow-listed client, with the Tenants.ReadWrite.All application permission.",
  );
}

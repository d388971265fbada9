/**
 * A refusal from the service, as the console gets it: the service's own message (what is wrong and how
 * to fix it, in English), per user the details that concern them (`target` is the user's id for rule
 * refusals), each with its code and parameters (licensing/refusals.ts says it in the admin's language).
 */
import { GraphError } from '@microsoft/microsoft-graph-client';
import type { ErrorParameters } from './types';

export interface RefusalDetail {
  code: string;
  message: string;
  target?: string;
  /** The ids and counts the message is made of: the console writes it in the admin's language from these. */
  parameters?: ErrorParameters;
}

export interface Refusal {
  status: number;
  code: string;
  message: string;
  target?: string;
  details: RefusalDetail[];
  requestId?: string;
}

export function refusalOf(e: unknown): Refusal {
  if (e instanceof GraphError) {
    let parsed: { code?: string; message?: string; target?: string; details?: RefusalDetail[] } = {};
    try {
      parsed = typeof e.body === 'string' ? (JSON.parse(e.body) as typeof parsed) : {};
    } catch {
      /* not the service's JSON (a network failure): the SDK's message stands */
    }
    return {
      status: e.statusCode,
      code: parsed.code ?? e.code ?? 'error',
      message: parsed.message ?? e.message,
      target: parsed.target,
      details: parsed.details ?? [],
      requestId: e.requestId ?? undefined,
    };
  }
  return { status: 0, code: 'error', message: e instanceof Error ? e.message : String(e), details: [] };
}

/** The refusal details that concern one user (rule refusals name the user in `target`). */
export function detailsFor(refusal: Refusal | undefined, userId: string): RefusalDetail[] {
  if (!refusal) return [];
  const own = refusal.details.filter((d) => d.target === userId);
  if (own.length) return own;
  return refusal.target === userId ? [{ code: refusal.code, message: refusal.message, target: userId }] : [];
}

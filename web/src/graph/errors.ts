/**
 * A refusal from the service, as the console shows it: the service's own message (what is wrong and how
 * to fix it), and per user the details that concern them (`target` is the user's id for rule refusals).
 */
import { GraphError } from '@microsoft/microsoft-graph-client';

export interface RefusalDetail {
  code: string;
  message: string;
  target?: string;
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

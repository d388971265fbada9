/** A catalog change's answer: whether a version was written, which is in force, and what changed. */
import { z } from 'zod';
import { PublishOutcome } from '../../catalog/publish';
import * as c from '../../schemas/contracts';

export const changeResult = (o: PublishOutcome, dryRun: boolean): z.infer<typeof c.catalogChangeResult> => ({
  published: o.published,
  dryRun,
  version: o.version,
  previousVersion: o.previousVersion,
  summary: o.summary,
  changes: o.changes,
});

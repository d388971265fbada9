/**
 * Unassign a product from the selected users: up to 20 directly (one assignLicense each, every outcome
 * shown by the user's name); more than 20 become a bulk job (mode remove), followed on its page.
 */
import { Button, Dialog, DialogActions, DialogBody, DialogContent, DialogSurface, DialogTitle, Text } from '@fluentui/react-components';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useLocation } from 'wouter';
import { RefusalBar, SuccessBar } from '../../components/Refusal';
import { useGraph } from '../../graph/client';
import { Refusal, refusalOf } from '../../graph/errors';
import { createLicenseJob } from '../../graph/jobs';
import { assignLicense } from '../../graph/licensing';
import { licensesChanged } from '../../graph/queries';
import { MAX_USERS_PER_ASSIGN, SubscribedSku, User } from '../../graph/types';

export function UnassignDialog({ sku, users, onClose }: { sku: SubscribedSku; users: User[]; onClose: (done: boolean) => void }) {
  const { t } = useTranslation();
  const client = useGraph();
  const queryClient = useQueryClient();
  const [, navigate] = useLocation();
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<{ user: User; refusal?: Refusal }[]>();
  const [refusal, setRefusal] = useState<Refusal>();
  const bulk = users.length > MAX_USERS_PER_ASSIGN;

  const run = async () => {
    setBusy(true);
    try {
      if (bulk) {
        const job = await createLicenseJob(client, { mode: 'remove', userIds: users.map((u) => u.id), removeLicenses: [sku.skuId] });
        navigate(`/jobs/${job.id}`);
        return;
      }
      const results = await Promise.all(
        users.map((user) =>
          assignLicense(client, user.id, { addLicenses: [], removeLicenses: [sku.skuId] }).then(
            () => ({ user }),
            (e: unknown) => ({ user, refusal: refusalOf(e) }),
          ),
        ),
      );
      setOutcome(results);
      await licensesChanged(queryClient);
    } catch (e) {
      setRefusal(refusalOf(e));
    } finally {
      setBusy(false);
    }
  };
  const removed = outcome?.filter((o) => !o.refusal).length ?? 0;

  return (
    <Dialog open onOpenChange={(_, d) => !d.open && onClose(!!outcome)}>
      <DialogSurface>
        <DialogBody>
          <DialogTitle>{t('unassign.title', { product: sku.displayName })}</DialogTitle>
          <DialogContent style={{ display: 'flex', flexDirection: 'column', gap: 8 }}>
            {!outcome && (
              <Text>{bulk ? t('unassign.bulk', { count: users.length }) : t('unassign.confirm', { count: users.length, product: sku.displayName })}</Text>
            )}
            {refusal && <RefusalBar refusal={refusal} />}
            {outcome && removed > 0 && <SuccessBar title={t('unassign.done', { count: removed, product: sku.displayName })} />}
            {outcome?.map((o) => o.refusal && <RefusalBar key={o.user.id} refusal={o.refusal} title={o.user.displayName} />)}
          </DialogContent>
          <DialogActions>
            {!outcome && (
              <Button appearance="primary" onClick={run} disabledFocusable={busy}>
                {t('unassign.submit')}
              </Button>
            )}
            <Button onClick={() => onClose(!!outcome)}>{outcome ? t('common.close') : t('common.cancel')}</Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}

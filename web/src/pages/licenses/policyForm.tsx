/**
 * A policy edited in place (the request policy, the auto-claim policy): the stored one, a draft the admin
 * changes, Save (only when the draft differs), and the outcome: the service's refusal with its way out, or
 * "saved" until the next change.
 */
import { Button } from '@fluentui/react-components';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { RefusalBar, SuccessBar } from '../../components/Refusal';
import { refusalOf } from '../../graph/errors';

export function usePolicyForm<T>(queryKey: readonly unknown[], get: () => Promise<T>, update: (body: T) => Promise<T>) {
  const queryClient = useQueryClient();
  const policy = useQuery({ queryKey, queryFn: get });
  const [draft, setDraft] = useState<T>();
  useEffect(() => setDraft(policy.data), [policy.data]);
  const save = useMutation({ mutationFn: update, onSuccess: (p) => queryClient.setQueryData(queryKey, p) });
  const edit = (next: T) => {
    save.reset();
    setDraft(next);
  };
  const changed = JSON.stringify(draft) !== JSON.stringify(policy.data);
  return { policy, draft, edit, save, changed };
}

export function PolicySave({
  form,
  saved,
  hidden,
}: {
  form: { save: { isPending: boolean; isError: boolean; isSuccess: boolean; error: Error | null }; changed: boolean };
  saved: string;
  hidden?: boolean;
}) {
  const { t } = useTranslation();
  const { save, changed } = form;
  return (
    <>
      {!hidden && (
        <div>
          <Button type="submit" appearance="primary" disabled={!changed || save.isPending}>
            {t('common.save')}
          </Button>
        </div>
      )}
      {save.isError && <RefusalBar refusal={refusalOf(save.error)} />}
      {save.isSuccess && !changed && <SuccessBar title={saved} />}
    </>
  );
}

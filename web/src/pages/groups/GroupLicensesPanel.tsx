/**
 * A group > Assign licenses: products switched on (with their apps) go to every member; the service
 * processes the members in the background and records any member's failure on that member.
 */
import { Button, Text } from '@fluentui/react-components';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Panel } from '../../components/Panel';
import { RefusalBar } from '../../components/Refusal';
import { useGraph } from '../../graph/client';
import { refusalOf } from '../../graph/errors';
import { assignGroupLicense } from '../../graph/groups';
import type { Group, User } from '../../graph/types';
import type { ChosenProduct } from '../../licensing/changes';
import { ProductChoice } from '../users/ProductChoice';

export function GroupLicensesPanel({ group, members, onClose, onAssigned }: { group: Group; members: User[]; onClose: () => void; onAssigned: () => unknown }) {
  const { t } = useTranslation();
  const client = useGraph();
  const [chosen, setChosen] = useState<ChosenProduct[]>(group.assignedLicenses.map((l) => ({ skuId: l.skuId, disabledPlans: l.disabledPlans })));
  const save = useMutation({
    mutationFn: () =>
      assignGroupLicense(client, group.id, {
        addLicenses: chosen,
        removeLicenses: group.assignedLicenses.filter((l) => !chosen.some((c) => c.skuId === l.skuId)).map((l) => l.skuId),
      }),
    onSuccess: async () => {
      await onAssigned();
      onClose();
    },
  });
  return (
    <Panel
      title={t('group.assignTitle', { group: group.displayName })}
      onClose={onClose}
      footer={
        <Button appearance="primary" disabledFocusable={save.isPending} onClick={() => save.mutate()}>
          {t('common.saveChanges')}
        </Button>
      }
    >
      <Text>{t('group.assignExplained')}</Text>
      <ProductChoice chosen={chosen} onChange={setChosen} users={members} />
      {save.isError && <RefusalBar refusal={refusalOf(save.error)} />}
    </Panel>
  );
}

/**
 * A group > Assign licenses: products switched on (with their apps) go to every member; the service
 * processes the members in the background and records any member's failure on that member.
 */
import { Button, DrawerBody, DrawerFooter, DrawerHeader, DrawerHeaderTitle, OverlayDrawer, Text } from '@fluentui/react-components';
import { DismissRegular } from '@fluentui/react-icons';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
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
    <OverlayDrawer open position="end" size="medium" onOpenChange={(_, d) => !d.open && onClose()}>
      <DrawerHeader>
        <DrawerHeaderTitle action={<Button appearance="subtle" aria-label={t('common.close')} icon={<DismissRegular />} onClick={onClose} />}>
          {t('group.assignTitle', { group: group.displayName })}
        </DrawerHeaderTitle>
      </DrawerHeader>
      <DrawerBody style={{ display: 'flex', flexDirection: 'column', gap: 16 }}>
        <Text>{t('group.assignExplained')}</Text>
        <ProductChoice chosen={chosen} onChange={setChosen} users={members} />
        {save.isError && <RefusalBar refusal={refusalOf(save.error)} />}
      </DrawerBody>
      <DrawerFooter>
        <Button appearance="primary" disabled={save.isPending} onClick={() => save.mutate()}>
          {t('common.saveChanges')}
        </Button>
        <Button onClick={onClose}>{t('common.close')}</Button>
      </DrawerFooter>
    </OverlayDrawer>
  );
}

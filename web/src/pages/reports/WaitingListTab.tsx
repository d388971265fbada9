/**
 * A product's waiting list: group members who have no seat yet, in the order they will get one
 * (priority, then since when). A freed or bought seat goes to the first automatically; admins who may
 * assign licenses can move someone up by raising their priority.
 */
import { Button, makeStyles, SpinButton, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text } from '@fluentui/react-components';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useDateTime } from '../../i18n';
import { useCan } from '../../auth/session';
import { GroupName } from '../../components/GroupName';
import { ProductPicker } from '../../components/ProductPicker';
import { LoadMore } from '../../components/LoadMore';
import { RefusalBar } from '../../components/Refusal';
import { useGraph } from '../../graph/client';
import { refusalOf } from '../../graph/errors';
import { usePagedList } from '../../graph/paging';
import { keys, useSkus } from '../../graph/queries';
import { setWaitingPriority, WaitingEntry, waitingListRequest } from '../../graph/reports';

const useStyles = makeStyles({ filters: { display: 'flex', gap: '16px', alignItems: 'end', marginBottom: '12px' } });

export function WaitingListTab() {
  const { t } = useTranslation();
  const styles = useStyles();
  const client = useGraph();
  const queryClient = useQueryClient();
  const skus = useSkus().data ?? [];
  const mayAssign = useCan('assignLicenses');
  const [skuId, setSkuId] = useState('');
  const [priorities, setPriorities] = useState<Record<string, number>>({});
  const list = usePagedList<WaitingEntry>([...keys.reports, 'waiting', skuId], (c) => waitingListRequest(c, skuId), !!skuId);
  const save = useMutation({
    mutationFn: ({ userId, priority }: { userId: string; priority: number }) => setWaitingPriority(client, skuId, userId, priority),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: [...keys.reports, 'waiting', skuId] }),
  });
  const when = useDateTime({ dateStyle: 'short', timeStyle: 'short' });

  return (
    <>
      <div className={styles.filters}>
        <ProductPicker skus={skus} skuId={skuId} onChange={setSkuId} />
      </div>
      {list.isError && <RefusalBar refusal={refusalOf(list.error)} />}
      {save.isError && <RefusalBar refusal={refusalOf(save.error)} />}
      {skuId && (
        <Table size="small" aria-label={t('reports.tabs.waiting')}>
          <TableHeader>
            <TableRow>
              <TableHeaderCell style={{ width: 64 }}>{t('waiting.position')}</TableHeaderCell>
              <TableHeaderCell>{t('users.name')}</TableHeaderCell>
              <TableHeaderCell>{t('waiting.group')}</TableHeaderCell>
              <TableHeaderCell>{t('waiting.since')}</TableHeaderCell>
              <TableHeaderCell>{t('waiting.priority')}</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {list.items.map((w) => (
              <TableRow key={w.userId}>
                <TableCell>{w.position}</TableCell>
                <TableCell>
                  {w.displayName ?? w.userId}
                  <Text size={200} block>
                    {w.userPrincipalName}
                  </Text>
                </TableCell>
                <TableCell>
                  <GroupName id={w.groupId} />
                </TableCell>
                <TableCell>{when.format(new Date(w.since))}</TableCell>
                <TableCell>
                  {mayAssign ? (
                    <span style={{ display: 'inline-flex', gap: 8 }}>
                      <SpinButton
                        aria-label={t('waiting.priorityOf', { name: w.displayName ?? w.userId })}
                        min={-1000}
                        max={1000}
                        value={priorities[w.userId] ?? w.priority}
                        onChange={(_, d) => setPriorities((p) => ({ ...p, [w.userId]: d.value ?? Number(d.displayValue ?? w.priority) }))}
                        style={{ width: 90 }}
                      />
                      <Button
                        size="small"
                        disabled={(priorities[w.userId] ?? w.priority) === w.priority || save.isPending}
                        onClick={() => save.mutate({ userId: w.userId, priority: priorities[w.userId] })}
                      >
                        {t('common.save')}
                      </Button>
                    </span>
                  ) : (
                    w.priority
                  )}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      {skuId && !list.isPending && !list.items.length && <Text>{t('waiting.none')}</Text>}
      <LoadMore list={list} />
    </>
  );
}

/**
 * Active users as a virtualized grid: only the rows in view are rendered (@tanstack/react-virtual), and
 * the next page is asked for as the admin scrolls near the end, so 10,000 users scroll as smoothly as 24.
 * Fluent's Table parts (div-based, so rows can be positioned) with grid semantics: aria-rowcount on the
 * grid, aria-rowindex on each row, a checkbox and a link per row for the keyboard.
 */
import {
  Badge,
  Checkbox,
  Link,
  makeStyles,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  tokens,
} from '@fluentui/react-components';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { useSkuNames } from '../../graph/queries';
import type { User } from '../../graph/types';

const ROW_HEIGHT = 44;
const useStyles = makeStyles({
  scroller: {
    height: 'calc(100vh - 300px)',
    minHeight: '320px',
    overflowY: 'auto',
    border: `1px solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
  },
  header: { position: 'sticky', top: 0, zIndex: 1, backgroundColor: tokens.colorNeutralBackground1 },
  body: { position: 'relative' },
  row: { position: 'absolute', left: 0, right: 0, height: `${ROW_HEIGHT}px` },
  select: { flex: '0 0 44px' },
  name: { flex: '2 1 200px', minWidth: 0 },
  upn: { flex: '2 1 220px', minWidth: 0 },
  licenses: { flex: '3 1 260px', minWidth: 0 },
  location: { flex: '0 0 110px' },
  clip: { overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' },
});

export interface UsersGridProps {
  users: User[];
  /** All users the query matches, when the service counted them ($count=true). */
  total?: number;
  hasMore: boolean;
  loadMore: () => void;
  selected: Set<string>;
  onSelect?: (ids: Set<string>) => void;
  onOpen: (user: User) => void;
}

export function UsersGrid({ users, total, hasMore, loadMore, selected, onSelect, onOpen }: UsersGridProps) {
  const { t } = useTranslation();
  const styles = useStyles();
  const skuName = useSkuNames();
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: users.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });
  const rows = virtualizer.getVirtualItems();
  const last = rows[rows.length - 1]?.index ?? 0;

  // ask for the next page when the rows in view come near the end of what is loaded
  useEffect(() => {
    if (hasMore && last >= users.length - 30) loadMore();
  }, [last, users.length, hasMore, loadMore]);

  const allShown = users.length > 0 && users.every((u) => selected.has(u.id));
  const someShown = users.some((u) => selected.has(u.id));
  const toggle = (id: string, on: boolean) => {
    const next = new Set(selected);
    if (on) next.add(id);
    else next.delete(id);
    onSelect?.(next);
  };

  return (
    <div ref={scroller} className={styles.scroller} data-testid="users-scroller">
      <Table noNativeElements role="grid" aria-label={t('users.title')} aria-rowcount={(total ?? users.length) + 1} aria-multiselectable={!!onSelect}>
        <TableHeader className={styles.header}>
          <TableRow aria-rowindex={1}>
            {onSelect && (
              <TableHeaderCell className={styles.select}>
                <Checkbox
                  aria-label={t('users.selectAllShown', { count: users.length })}
                  checked={allShown ? true : someShown ? 'mixed' : false}
                  onChange={(_, d) =>
                    onSelect(
                      d.checked ? new Set([...selected, ...users.map((u) => u.id)]) : new Set([...selected].filter((id) => !users.some((u) => u.id === id))),
                    )
                  }
                />
              </TableHeaderCell>
            )}
            <TableHeaderCell className={styles.name}>{t('users.name')}</TableHeaderCell>
            <TableHeaderCell className={styles.upn}>{t('users.upn')}</TableHeaderCell>
            <TableHeaderCell className={styles.licenses}>{t('users.licenses')}</TableHeaderCell>
            <TableHeaderCell className={styles.location}>{t('users.location')}</TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody className={styles.body} style={{ height: virtualizer.getTotalSize() }}>
          {rows.map((r) => {
            const u = users[r.index];
            const errors = u.licenseAssignmentStates.some((s) => s.state === 'Error');
            return (
              <TableRow
                key={u.id}
                aria-rowindex={r.index + 2}
                aria-selected={onSelect ? selected.has(u.id) : undefined}
                className={styles.row}
                style={{ transform: `translateY(${r.start}px)` }}
                data-testid="user-row"
              >
                {onSelect && (
                  <TableCell className={styles.select}>
                    <Checkbox
                      aria-label={t('common.select', { name: u.displayName })}
                      checked={selected.has(u.id)}
                      onChange={(_, d) => toggle(u.id, d.checked === true)}
                    />
                  </TableCell>
                )}
                <TableCell className={styles.name}>
                  <Link as="button" className={styles.clip} onClick={() => onOpen(u)}>
                    {u.displayName}
                  </Link>
                </TableCell>
                <TableCell className={styles.upn}>
                  <Text className={styles.clip}>{u.userPrincipalName}</Text>
                </TableCell>
                <TableCell className={styles.licenses}>
                  <Text className={styles.clip}>
                    {u.assignedLicenses.length ? u.assignedLicenses.map((l) => skuName(l.skuId)).join(', ') : t('users.unlicensed')}
                  </Text>
                  {errors && (
                    <Badge appearance="tint" color="danger" style={{ marginLeft: 6 }}>
                      {t('users.error')}
                    </Badge>
                  )}
                </TableCell>
                <TableCell className={styles.location}>{u.usageLocation ?? '—'}</TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    </div>
  );
}

/**
 * Users > Active users: search, filter (by product, unlicensed, license errors), select several users and
 * Manage product licenses, or open one user's Licenses and apps.
 */
import { Dropdown, makeStyles, Option, OptionGroup, SearchBox, Text, Toolbar, ToolbarButton, tokens } from '@fluentui/react-components';
import { KeyMultipleRegular } from '@fluentui/react-icons';
import { useCallback, useDeferredValue, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCan } from '../../auth/session';
import { PageHeader } from '../../components/PageHeader';
import { RefusalBar } from '../../components/Refusal';
import { usersRequest, UserQuery } from '../../graph/directory';
import { refusalOf } from '../../graph/errors';
import { usePagedList } from '../../graph/paging';
import { useSkus } from '../../graph/queries';
import type { User } from '../../graph/types';
import { ManageLicensesPanel } from './ManageLicensesPanel';
import { UserLicensesPanel } from './UserLicensesPanel';
import { UsersGrid } from './UsersGrid';

const useStyles = makeStyles({
  bar: { display: 'flex', alignItems: 'center', gap: '12px', marginBottom: '8px', flexWrap: 'wrap' },
  spacer: { flexGrow: 1 },
  count: { color: tokens.colorNeutralForeground3 },
});

export default function ActiveUsersPage() {
  const { t } = useTranslation();
  const styles = useStyles();
  const skus = useSkus().data ?? [];
  const mayAssign = useCan('assignLicenses');
  const [search, setSearch] = useState('');
  const [filter, setFilter] = useState('all');
  const term = useDeferredValue(search.trim());
  // the selected users themselves, so a selection survives a new search or filter
  const [selected, setSelected] = useState<Map<string, User>>(new Map());
  const [managing, setManaging] = useState(false);
  const [open, setOpen] = useState<string>();

  const query: UserQuery = {
    search: term || undefined,
    state: filter === 'unlicensed' || filter === 'errors' ? filter : undefined,
    skuId: filter.startsWith('sku:') ? filter.slice(4) : undefined,
    top: 200,
  };
  const list = usePagedList<User>(['users', 'active', query], (c) => usersRequest(c, query));
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = list;
  const loadMore = useCallback(() => {
    if (hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);
  const select = (ids: Set<string>) => setSelected((prev) => new Map([...ids].map((id) => [id, prev.get(id) ?? list.items.find((u) => u.id === id)!])));
  const filterLabel =
    filter === 'all'
      ? t('users.filter.all')
      : filter === 'unlicensed'
        ? t('users.filter.unlicensed')
        : filter === 'errors'
          ? t('users.filter.errors')
          : t('users.filter.product', { product: skus.find((s) => `sku:${s.skuId}` === filter)?.displayName ?? '' });

  return (
    <>
      <PageHeader title={t('users.title')} description={t('users.description')} />
      <div className={styles.bar}>
        {mayAssign && (
          <Toolbar aria-label={t('common.actions')}>
            <ToolbarButton appearance="primary" icon={<KeyMultipleRegular />} disabled={!selected.size} onClick={() => setManaging(true)}>
              {t('manage.open')}
            </ToolbarButton>
          </Toolbar>
        )}
        <Text className={styles.count} aria-live="polite" data-testid="users-count">
          {selected.size
            ? t('users.selected', { count: selected.size })
            : list.count !== undefined
              ? t('users.counted', { count: list.count })
              : t('users.shown', { count: list.items.length })}
        </Text>
        <span className={styles.spacer} />
        <Dropdown
          aria-label={t('users.filter.label')}
          value={filterLabel}
          selectedOptions={[filter]}
          onOptionSelect={(_, d) => setFilter(d.optionValue ?? 'all')}
        >
          <Option value="all">{t('users.filter.all')}</Option>
          <Option value="unlicensed">{t('users.filter.unlicensed')}</Option>
          <Option value="errors">{t('users.filter.errors')}</Option>
          <OptionGroup label={t('users.filter.byProduct')}>
            {skus.map((s) => (
              <Option key={s.skuId} value={`sku:${s.skuId}`} text={t('users.filter.product', { product: s.displayName })}>
                {s.displayName}
              </Option>
            ))}
          </OptionGroup>
        </Dropdown>
        <SearchBox placeholder={t('users.search')} aria-label={t('users.search')} value={search} onChange={(_, d) => setSearch(d.value)} />
      </div>
      {list.isError ? (
        <RefusalBar refusal={refusalOf(list.error)} />
      ) : (
        <UsersGrid
          users={list.items}
          total={list.count}
          hasMore={!!hasNextPage}
          loadMore={loadMore}
          selected={new Set(selected.keys())}
          onSelect={mayAssign ? select : undefined}
          onOpen={(u) => setOpen(u.id)}
        />
      )}
      {!list.isPending && !list.items.length && <Text>{t('users.none')}</Text>}
      {managing && (
        <ManageLicensesPanel
          users={[...selected.values()]}
          onClose={(done) => {
            setManaging(false);
            if (done) setSelected(new Map());
          }}
        />
      )}
      {open && <UserLicensesPanel userId={open} onClose={() => setOpen(undefined)} />}
    </>
  );
}

/**
 * Teams & groups > Groups: each group with the licenses its members inherit and whether its licensing
 * is still being processed; "with license errors" lists only groups where some member's license failed.
 */
import { createTableColumn, Dropdown, Link, makeStyles, Option, SearchBox, TableColumnDefinition, Text } from '@fluentui/react-components';
import { useDeferredValue, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useLocation } from 'wouter';
import { Grid } from '../../components/Grid';
import { PageHeader } from '../../components/PageHeader';
import { RefusalBar } from '../../components/Refusal';
import { groupsRequest } from '../../graph/directory';
import { refusalOf } from '../../graph/errors';
import { usePagedList } from '../../graph/paging';
import { useSkuNames } from '../../graph/queries';
import type { Group } from '../../graph/types';

const useStyles = makeStyles({ bar: { display: 'flex', gap: '12px', justifyContent: 'flex-end', marginBottom: '8px', flexWrap: 'wrap' } });

export default function GroupsPage() {
  const { t } = useTranslation();
  const styles = useStyles();
  const [, navigate] = useLocation();
  const skuName = useSkuNames();
  const [search, setSearch] = useState('');
  const term = useDeferredValue(search.trim());
  const [errorsOnly, setErrorsOnly] = useState(false);
  const groups = usePagedList<Group>(['groups', 'list', term, errorsOnly], (c) => groupsRequest(c, { search: term, withErrors: errorsOnly }));

  const columns: TableColumnDefinition<Group>[] = [
    createTableColumn({
      columnId: 'name',
      renderHeaderCell: () => t('groups.name'),
      renderCell: (g) => (
        <Link href={`#/groups/${g.id}`} onClick={(e) => (e.preventDefault(), navigate(`/groups/${g.id}`))}>
          {g.displayName}
        </Link>
      ),
    }),
    createTableColumn({
      columnId: 'licenses',
      renderHeaderCell: () => t('users.licenses'),
      renderCell: (g) => g.assignedLicenses.map((l) => skuName(l.skuId)).join(', ') || t('groups.noLicenses'),
    }),
    createTableColumn({
      columnId: 'state',
      renderHeaderCell: () => t('groups.processing'),
      renderCell: (g) => t(`groups.state.${g.licenseProcessingState.state}`, { defaultValue: g.licenseProcessingState.state }),
    }),
    createTableColumn({ columnId: 'description', renderHeaderCell: () => t('groups.descriptionColumn'), renderCell: (g) => g.description ?? '' }),
  ];

  return (
    <>
      <PageHeader title={t('groups.title')} description={t('groups.description')} />
      <div className={styles.bar}>
        <Dropdown
          aria-label={t('users.filter.label')}
          value={errorsOnly ? t('groups.withErrors') : t('groups.all')}
          selectedOptions={[errorsOnly ? 'errors' : 'all']}
          onOptionSelect={(_, d) => setErrorsOnly(d.optionValue === 'errors')}
        >
          <Option value="all">{t('groups.all')}</Option>
          <Option value="errors">{t('groups.withErrors')}</Option>
        </Dropdown>
        <SearchBox placeholder={t('groups.search')} aria-label={t('groups.search')} value={search} onChange={(_, d) => setSearch(d.value)} />
      </div>
      {groups.isError ? (
        <RefusalBar refusal={refusalOf(groups.error)} />
      ) : (
        <Grid
          items={groups.items}
          columns={columns}
          getRowId={(g) => g.id}
          label={t('groups.title')}
          empty={!groups.isFetching && <Text>{t('groups.none')}</Text>}
        />
      )}
    </>
  );
}

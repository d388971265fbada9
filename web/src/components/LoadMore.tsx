/** "Load more" under a paged list: nothing when there is no next page, disabled while the next page loads (no double fetch). */
import { Button } from '@fluentui/react-components';
import { useTranslation } from 'react-i18next';

export interface NextPages {
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => unknown;
}

export function LoadMore({ list }: { list: NextPages }) {
  const { t } = useTranslation();
  if (!list.hasNextPage) return null;
  return (
    <Button style={{ marginTop: 8 }} onClick={() => void list.fetchNextPage()} disabled={list.isFetchingNextPage}>
      {t('common.loadMore')}
    </Button>
  );
}

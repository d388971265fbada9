import { Badge } from '@fluentui/react-components';
import { useTranslation } from 'react-i18next';
import type { LicenseJob } from '../../graph/types';

const colors: Record<LicenseJob['status'], 'informative' | 'brand' | 'success' | 'warning' | 'danger' | 'subtle'> = {
  queued: 'informative',
  running: 'brand',
  completed: 'success',
  completedWithErrors: 'warning',
  failed: 'danger',
  cancelled: 'subtle',
};

export function JobStatusBadge({ job }: { job: Pick<LicenseJob, 'status' | 'cancelRequested'> }) {
  const { t } = useTranslation();
  return (
    <Badge appearance="tint" color={colors[job.status]}>
      {job.cancelRequested && job.status === 'running' ? t('jobs.cancelling') : t(`jobs.status.${job.status}`)}
    </Badge>
  );
}

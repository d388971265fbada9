/** A product's state as the admin center shows it: a badge, and in words what it means for users and admins. */
import { Badge, Caption1, MessageBar, MessageBarBody, MessageBarTitle } from '@fluentui/react-components';
import { useTranslation } from 'react-i18next';
import type { SubscribedSku } from '../graph/types';

export function SkuStatusBadge({ sku, explain }: { sku: Pick<SubscribedSku, 'capabilityStatus' | 'purchaseChannel'>; explain?: boolean }) {
  const { t } = useTranslation();
  const lapsed = sku.capabilityStatus === 'Warning' || sku.capabilityStatus === 'Suspended' || sku.capabilityStatus === 'Deleted';
  return (
    <span style={{ display: 'inline-flex', gap: 4, flexWrap: 'wrap', alignItems: 'center' }}>
      {sku.capabilityStatus === 'Warning' && (
        <Badge appearance="tint" color="warning">
          {t('status.Warning')}
        </Badge>
      )}
      {sku.capabilityStatus === 'Suspended' && (
        <Badge appearance="tint" color="danger">
          {t('status.Suspended')}
        </Badge>
      )}
      {sku.capabilityStatus === 'Deleted' && (
        <Badge appearance="tint" color="subtle">
          {t('status.Deleted')}
        </Badge>
      )}
      {sku.capabilityStatus === 'Enabled' && (
        <Badge appearance="tint" color="success">
          {t('status.Enabled')}
        </Badge>
      )}
      {sku.purchaseChannel === 'selfService' && (
        <Badge appearance="outline" color="informative">
          {t('status.selfService')}
        </Badge>
      )}
      {explain && lapsed && <Caption1 block>{t(`status.short.${sku.capabilityStatus as 'Warning' | 'Suspended' | 'Deleted'}`)}</Caption1>}
    </span>
  );
}

/** What a Warning, Suspended or self-service product means, said once at the top of its page. */
export function SkuStatusExplained({ sku, action }: { sku: Pick<SubscribedSku, 'capabilityStatus' | 'purchaseChannel'>; action?: React.ReactNode }) {
  const { t } = useTranslation();
  const bars: React.ReactNode[] = [];
  if (sku.capabilityStatus === 'Warning' || sku.capabilityStatus === 'Suspended' || sku.capabilityStatus === 'Deleted') {
    bars.push(
      <MessageBar key="state" intent={sku.capabilityStatus === 'Warning' ? 'warning' : 'error'} layout="multiline">
        <MessageBarBody>
          <MessageBarTitle>{t(`status.${sku.capabilityStatus}`)}</MessageBarTitle>
          {t(`status.meaning.${sku.capabilityStatus}`)}
        </MessageBarBody>
      </MessageBar>,
    );
  }
  if (sku.purchaseChannel === 'selfService') {
    bars.push(
      <MessageBar key="self" intent="info" layout="multiline">
        <MessageBarBody>
          <MessageBarTitle>{t('status.selfService')}</MessageBarTitle>
          {t('status.meaning.selfService')} {action}
        </MessageBarBody>
      </MessageBar>,
    );
  }
  return bars.length ? <div style={{ display: 'flex', flexDirection: 'column', gap: 8, margin: '8px 0' }}>{bars}</div> : null;
}

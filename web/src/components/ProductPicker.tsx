import { Dropdown, Field, Option } from '@fluentui/react-components';
import { useTranslation } from 'react-i18next';
import type { SubscribedSku } from '../graph/types';

/** Pick one of the organization's products (or, with `anyLabel`, none: every product). */
export function ProductPicker({
  skus,
  skuId,
  onChange,
  anyLabel,
}: {
  skus: SubscribedSku[];
  skuId: string;
  onChange: (skuId: string) => void;
  anyLabel?: string;
}) {
  const { t } = useTranslation();
  const picked = skus.find((s) => s.skuId === skuId);
  return (
    <Field label={t('licenses.product')}>
      <Dropdown
        value={picked?.displayName ?? anyLabel ?? ''}
        placeholder={anyLabel ? undefined : t('planner.pick')}
        selectedOptions={[skuId]}
        onOptionSelect={(_, d) => onChange(d.optionValue ?? '')}
      >
        {anyLabel && <Option value="">{anyLabel}</Option>}
        {skus.map((s) => (
          <Option key={s.skuId} value={s.skuId}>
            {s.displayName}
          </Option>
        ))}
      </Dropdown>
    </Field>
  );
}

/**
 * A user's usage location (needed before any license): a country picker with names in the admin's
 * language (Intl.DisplayNames), saved with If-Match on the user's etag. License admins may do this too.
 */
import { Button, Dropdown, Field, Option } from '@fluentui/react-components';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useGraph } from '../graph/client';
import { setUsageLocation } from '../graph/directory';
import { refusalOf } from '../graph/errors';
import { keys } from '../graph/queries';
import type { User } from '../graph/types';
import { RefusalBar } from './Refusal';

// ISO 3166-1 alpha-2 codes of the countries and regions where Microsoft 365 is sold
const CODES =
  'AE AF AG AI AL AM AO AR AT AU AW AZ BA BB BD BE BF BG BH BI BJ BM BN BO BR BS BT BW BY BZ CA CD CF CG CH CI CK CL CM CN CO CR CV CW CY CZ DE DJ DK DM DO DZ EC EE EG ER ES ET FI FJ FM FO FR GA GB GD GE GH GI GL GM GN GQ GR GT GU GW GY HK HN HR HT HU ID IE IL IN IQ IS IT JM JO JP KE KG KH KI KM KN KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MG MH MK ML MM MN MO MR MT MU MV MW MX MY MZ NA NE NG NI NL NO NP NR NZ OM PA PE PG PH PK PL PR PS PT PW PY QA RO RS RU RW SA SB SC SE SG SI SK SL SM SN SO SR SS ST SV SZ TD TG TH TJ TL TM TN TO TR TT TV TW TZ UA UG US UY UZ VA VC VE VG VI VN VU WS XK YE ZA ZM ZW'.split(
    ' ',
  );

export function useCountryName() {
  const { i18n } = useTranslation();
  return useMemo(() => {
    const names = new Intl.DisplayNames([i18n.resolvedLanguage ?? 'en'], { type: 'region' });
    return (code: string) => names.of(code) ?? code;
  }, [i18n.resolvedLanguage]);
}

export function UsageLocationPicker({ user, onSaved }: { user: User; onSaved?: (u: User) => void }) {
  const { t } = useTranslation();
  const client = useGraph();
  const queryClient = useQueryClient();
  const countryName = useCountryName();
  const [code, setCode] = useState(user.usageLocation ?? '');
  const options = useMemo(() => CODES.map((c) => ({ code: c, name: countryName(c) })).sort((a, b) => a.name.localeCompare(b.name)), [countryName]);
  const save = useMutation({
    mutationFn: () => setUsageLocation(client, user, code),
    onSuccess: async (u) => {
      await queryClient.invalidateQueries({ queryKey: keys.users });
      onSaved?.(u);
    },
  });
  return (
    <div style={{ display: 'flex', flexDirection: 'column', gap: 8 }}>
      <div style={{ display: 'flex', gap: 8, alignItems: 'end' }}>
        <Field label={t('usageLocation.label', { name: user.displayName })}>
          <Dropdown
            // in DOM order: this picker lives in a modal panel, and a popup portalled outside it would be
            // treated as the page behind the panel
            inlinePopup
            value={code ? countryName(code) : ''}
            selectedOptions={code ? [code] : []}
            placeholder={t('usageLocation.placeholder')}
            onOptionSelect={(_, d) => setCode(d.optionValue ?? '')}
          >
            {options.map((o) => (
              <Option key={o.code} value={o.code} text={o.name}>
                {o.name}
              </Option>
            ))}
          </Dropdown>
        </Field>
        <Button onClick={() => save.mutate()} disabled={!code || code === user.usageLocation || save.isPending}>
          {t('usageLocation.save')}
        </Button>
      </div>
      {save.isError && <RefusalBar refusal={refusalOf(save.error)} />}
    </div>
  );
}

/**
 * A product's apps and services, each a switch (or a checkbox, in a user's Licenses and apps panel),
 * explained in place: plans that come on their own (Sway), plans not offered where a user is, and plans
 * that need another one. Read-only (no onToggle) for roles that may not change licenses.
 */
import { Caption1, Checkbox, makeStyles, Switch, tokens } from '@fluentui/react-components';
import { useTranslation } from 'react-i18next';
import { PlanNote, planNotes } from '../licensing/plans';
import type { ServicePlan, User } from '../graph/types';

const useStyles = makeStyles({
  list: { display: 'flex', flexDirection: 'column', gap: '2px', margin: 0, padding: 0, listStyle: 'none' },
  note: { display: 'block', marginLeft: '44px', marginTop: '-6px', marginBottom: '4px', color: tokens.colorNeutralForeground3 },
  warn: { color: tokens.colorPaletteDarkOrangeForeground1 },
});

export interface ServicePlansProps {
  plans: ServicePlan[];
  disabled: Set<string>;
  onToggle?: (planId: string, on: boolean) => void;
  variant?: 'switch' | 'checkbox';
  /** The users the product is for: their usage locations and the plans they already have elsewhere. */
  users?: Pick<User, 'displayName' | 'usageLocation'>[];
  usersPlans?: Set<string>[];
  planName: (planId: string) => string;
  /** Accessible name of the group, e.g. "Apps for Office 365 E3". */
  label: string;
}

export function ServicePlans({ plans, disabled, onToggle, variant = 'switch', users = [], usersPlans = [], planName, label }: ServicePlansProps) {
  const { t, i18n } = useTranslation();
  const styles = useStyles();
  const lng = i18n.resolvedLanguage ?? 'en';
  const or = new Intl.ListFormat(lng, { type: 'disjunction' });
  const and = new Intl.ListFormat(lng, { type: 'conjunction' });
  const noteText = (n: PlanNote) =>
    n.kind === 'auto'
      ? t('plans.auto')
      : n.kind === 'notOffered'
        ? t('plans.notOffered', { who: and.format(n.items) })
        : t(n.kind === 'needs' ? 'plans.needs' : 'plans.needsMissing', { plans: or.format(n.items) });
  return (
    <ul className={styles.list} aria-label={label}>
      {plans.map((p) => {
        const on = !disabled.has(p.servicePlanId);
        const notes = planNotes(p, { disabled, productPlans: plans, users, usersPlans, planName });
        const noteId = `plan-note-${label.replace(/\W+/g, '-')}-${p.servicePlanId}`;
        const control = {
          checked: on,
          // an auto-assigned plan (Sway) comes on by itself and switches off like any other (licensing reference)
          disabled: !onToggle,
          label: p.displayName,
          'aria-describedby': notes.length ? noteId : undefined,
          onChange: (_: unknown, d: { checked: boolean | 'mixed' }) => onToggle?.(p.servicePlanId, d.checked === true),
        };
        return (
          <li key={p.servicePlanId}>
            {variant === 'switch' ? <Switch {...control} /> : <Checkbox {...control} />}
            {notes.length > 0 && (
              <Caption1 id={noteId} className={styles.note}>
                {notes.map((n, i) => (
                  <span key={i} className={n.kind === 'notOffered' || n.kind === 'needsMissing' ? styles.warn : undefined}>
                    {i > 0 && ' · '}
                    {noteText(n)}
                  </span>
                ))}
              </Caption1>
            )}
          </li>
        );
      })}
    </ul>
  );
}

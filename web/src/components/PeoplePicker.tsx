/**
 * The admin center's people picker: start typing a name, pick people from the matches (Graph's
 * `$search="displayName:..."`), up to `max` of them. Fluent's TagPicker gives the keyboard behaviour
 * (arrows through the matches, Enter to pick, Backspace to drop the last tag).
 */
import { Avatar, TagPicker, TagPickerControl, TagPickerGroup, TagPickerInput, TagPickerList, TagPickerOption, Tag, Field } from '@fluentui/react-components';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useDeferredValue, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useGraph } from '../graph/client';
import { usersRequest } from '../graph/directory';
import type { Collection, User } from '../graph/types';

export function PeoplePicker({
  label,
  selected,
  onChange,
  max,
  invalid,
}: {
  label: string;
  selected: User[];
  onChange: (users: User[]) => void;
  max: number;
  invalid?: Set<string>;
}) {
  const { t } = useTranslation();
  const client = useGraph();
  const [query, setQuery] = useState('');
  const term = useDeferredValue(query.trim());
  const matches = useQuery({
    queryKey: ['users', 'picker', term],
    queryFn: () => usersRequest(client, { search: term, top: 10 }).get() as Promise<Collection<User>>,
    enabled: term.length > 0,
    placeholderData: keepPreviousData,
  });
  const full = selected.length >= max;
  const options = (matches.data?.value ?? []).filter((u) => !selected.some((s) => s.id === u.id));

  const onOptionSelect = (_: unknown, d: { value: string; selectedOptions: string[] }) => {
    if (d.value === 'none') return;
    const picked = options.find((u) => u.id === d.value);
    if (picked && !full) onChange([...selected, picked]);
    else onChange(selected.filter((u) => d.selectedOptions.includes(u.id)));
    setQuery('');
  };

  return (
    <Field label={label} hint={max === 1 ? undefined : full ? t('picker.full', { max }) : t('picker.hint', { max })}>
      <TagPicker inline onOptionSelect={onOptionSelect} selectedOptions={selected.map((u) => u.id)}>
        <TagPickerControl>
          <TagPickerGroup aria-label={t('picker.selected')}>
            {selected.map((u) => (
              <Tag
                key={u.id}
                value={u.id}
                shape="rounded"
                media={<Avatar aria-hidden name={u.displayName} color="colorful" />}
                appearance={invalid?.has(u.id) ? 'outline' : 'filled'}
                style={invalid?.has(u.id) ? { borderColor: 'var(--colorPaletteRedBorder2)' } : undefined}
              >
                {u.displayName}
              </Tag>
            ))}
          </TagPickerGroup>
          <TagPickerInput
            aria-label={label}
            value={query}
            disabled={full}
            onChange={(e) => setQuery(e.target.value)}
            placeholder={full ? undefined : t('picker.placeholder')}
          />
        </TagPickerControl>
        <TagPickerList>
          {term && options.length > 0
            ? options.map((u) => (
                <TagPickerOption
                  key={u.id}
                  value={u.id}
                  text={u.displayName}
                  secondaryContent={u.userPrincipalName}
                  media={<Avatar aria-hidden name={u.displayName} color="colorful" />}
                >
                  {u.displayName}
                </TagPickerOption>
              ))
            : term && !matches.isFetching && <TagPickerOption value="none">{t('picker.noMatches')}</TagPickerOption>}
        </TagPickerList>
      </TagPicker>
    </Field>
  );
}

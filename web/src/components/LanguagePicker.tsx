import { Menu, MenuButton, MenuItemRadio, MenuList, MenuPopover, MenuTrigger } from '@fluentui/react-components';
import { LocalLanguageRegular } from '@fluentui/react-icons';
import { useTranslation } from 'react-i18next';
import { chooseLanguage, currentLanguage, Language, LANGUAGES } from '../i18n';

/** English or Nederlands; the browser's language until the admin picks one here. */
export function LanguagePicker({ appearance = 'subtle', className }: { appearance?: 'subtle' | 'transparent'; className?: string }) {
  const { t } = useTranslation();
  const lng = currentLanguage();
  return (
    <Menu checkedValues={{ language: [lng] }} onCheckedValueChange={(_, d) => chooseLanguage(d.checkedItems[0] as Language)}>
      <MenuTrigger disableButtonEnhancement>
        <MenuButton appearance={appearance} className={className} icon={<LocalLanguageRegular />} aria-label={`${t('shell.language')}: ${LANGUAGES[lng]}`}>
          {LANGUAGES[lng]}
        </MenuButton>
      </MenuTrigger>
      <MenuPopover>
        <MenuList>
          {(Object.keys(LANGUAGES) as Language[]).map((l) => (
            <MenuItemRadio key={l} name="language" value={l} lang={l}>
              {LANGUAGES[l]}
            </MenuItemRadio>
          ))}
        </MenuList>
      </MenuPopover>
    </Menu>
  );
}

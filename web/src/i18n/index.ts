/**
 * English and Dutch (the source document is Dutch, and so are many of its readers). The language comes
 * from the browser (navigator.languages) unless the admin picked one in the top bar (kept in localStorage).
 * `nl.ts` is typed as `en.ts`, so a text missing in Dutch fails the build.
 */
import i18n from 'i18next';
import LanguageDetector from 'i18next-browser-languagedetector';
import { initReactI18next, useTranslation } from 'react-i18next';
import { en } from './en';
import { nl } from './nl';

export const LANGUAGES = { en: 'English', nl: 'Nederlands' } as const;
export type Language = keyof typeof LANGUAGES;

declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: { translation: typeof en };
  }
}

void i18n
  .use(LanguageDetector)
  .use(initReactI18next)
  .init({
    resources: { en: { translation: en }, nl: { translation: nl } },
    supportedLngs: Object.keys(LANGUAGES),
    nonExplicitSupportedLngs: true, // nl-NL, nl-BE -> nl
    load: 'languageOnly',
    fallbackLng: 'en',
    interpolation: { escapeValue: false }, // React escapes
    detection: { order: ['localStorage', 'navigator'], lookupLocalStorage: 'licensing-console.language', caches: [] },
  });

const syncHtmlLang = (lng: string) => document.documentElement.setAttribute('lang', lng.slice(0, 2));
syncHtmlLang(i18n.resolvedLanguage ?? 'en');
i18n.on('languageChanged', syncHtmlLang);

/** The admin's own pick, remembered in this browser (the browser's language applies until then). */
export function chooseLanguage(lng: Language) {
  localStorage.setItem('licensing-console.language', lng);
  void i18n.changeLanguage(lng);
}

export const currentLanguage = (): Language => (i18n.resolvedLanguage === 'nl' ? 'nl' : 'en');
export default i18n;

/** Dates and times in the console's language (the admin's pick, else the browser's). */
export function useDateTime(style: Intl.DateTimeFormatOptions = { dateStyle: 'medium', timeStyle: 'short' }) {
  const { i18n: instance } = useTranslation();
  return new Intl.DateTimeFormat(instance.resolvedLanguage, style);
}

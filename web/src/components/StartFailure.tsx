import { MessageBar, MessageBarBody, MessageBarTitle } from '@fluentui/react-components';
import { useTranslation } from 'react-i18next';

/** The console could not start (its configuration is missing): say so, and what to do. */
export function StartFailure({ message }: { message: string }) {
  const { t } = useTranslation();
  return (
    <main style={{ padding: 32, maxWidth: 720 }}>
      <MessageBar intent="error">
        <MessageBarBody>
          <MessageBarTitle>{t('start.failed')}</MessageBarTitle>
          {message}
        </MessageBarBody>
      </MessageBar>
    </main>
  );
}

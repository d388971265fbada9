/**
 * The admin center's right-hand panel: a modal Fluent Drawer with a title, a close button, a scrolling
 * body and the actions at the bottom. Escape or the close button closes it; focus stays inside while open
 * and returns to what opened it.
 */
import { Button, DrawerBody, DrawerFooter, DrawerHeader, DrawerHeaderTitle, makeStyles, OverlayDrawer, Text, tokens } from '@fluentui/react-components';
import { DismissRegular } from '@fluentui/react-icons';
import { useTranslation } from 'react-i18next';

const useStyles = makeStyles({ body: { display: 'flex', flexDirection: 'column', gap: '16px' }, subtitle: { color: tokens.colorNeutralForeground3 } });

export function Panel({
  title,
  subtitle,
  onClose,
  footer,
  children,
}: {
  title: string;
  subtitle?: React.ReactNode;
  onClose: () => void;
  footer?: React.ReactNode;
  children: React.ReactNode;
}) {
  const { t } = useTranslation();
  const styles = useStyles();
  return (
    <OverlayDrawer open position="end" size="medium" onOpenChange={(_, d) => !d.open && onClose()}>
      <DrawerHeader>
        <DrawerHeaderTitle action={<Button appearance="subtle" aria-label={t('common.closePanel')} icon={<DismissRegular />} onClick={onClose} />}>
          {title}
        </DrawerHeaderTitle>
        {subtitle && <Text className={styles.subtitle}>{subtitle}</Text>}
      </DrawerHeader>
      <DrawerBody className={styles.body}>{children}</DrawerBody>
      <DrawerFooter>
        {footer}
        <Button onClick={onClose}>{t('common.close')}</Button>
      </DrawerFooter>
    </OverlayDrawer>
  );
}

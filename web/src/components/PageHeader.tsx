import { Breadcrumb, BreadcrumbButton, BreadcrumbDivider, BreadcrumbItem, makeStyles, Text, Title2, tokens } from '@fluentui/react-components';
import { Fragment } from 'react';
import { useTranslation } from 'react-i18next';
import { useLocation } from 'wouter';

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: '4px', marginBottom: '16px' },
  description: { color: tokens.colorNeutralForeground3, maxWidth: '900px' },
});

/** A page's title, where it sits (breadcrumb, as in the admin center) and one line on what it is for. */
export function PageHeader({
  title,
  description,
  trail = [],
  children,
}: {
  title: string;
  description?: string;
  trail?: { label: string; to: string }[];
  children?: React.ReactNode;
}) {
  const { t } = useTranslation();
  const styles = useStyles();
  const [, navigate] = useLocation();
  return (
    <div className={styles.root}>
      {trail.length > 0 && (
        <Breadcrumb aria-label={t('shell.breadcrumb')} size="small">
          {trail.map((c) => (
            <Fragment key={c.to}>
              <BreadcrumbItem>
                <BreadcrumbButton href={`#${c.to}`} onClick={(e) => (e.preventDefault(), navigate(c.to))}>
                  {c.label}
                </BreadcrumbButton>
              </BreadcrumbItem>
              <BreadcrumbDivider />
            </Fragment>
          ))}
          <BreadcrumbItem>
            <BreadcrumbButton current>{title}</BreadcrumbButton>
          </BreadcrumbItem>
        </Breadcrumb>
      )}
      <Title2 as="h1">{title}</Title2>
      {description && <Text className={styles.description}>{description}</Text>}
      {children}
    </div>
  );
}

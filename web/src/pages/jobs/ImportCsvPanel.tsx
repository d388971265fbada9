/**
 * Bulk jobs > Import from CSV: pick a file (columns userPrincipalName, licenses, disabledPlans,
 * usageLocation, displayName), preview it (a dry run: every row checked, the seats it needs), then start
 * the import and follow it on the job's page. Bad rows are reported, good rows applied.
 */
import { Button, Checkbox, Field, Link, makeStyles, Radio, RadioGroup, Text, tokens } from '@fluentui/react-components';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useLocation } from 'wouter';
import { useCan } from '../../auth/session';
import { Panel } from '../../components/Panel';
import { RefusalBar } from '../../components/Refusal';
import { useGraph } from '../../graph/client';
import { Refusal, refusalOf } from '../../graph/errors';
import { importCsv, ImportOptions } from '../../graph/jobs';
import { keys, useSkus } from '../../graph/queries';
import { downloadText } from '../../licensing/download';
import { JobPreview } from './JobPreview';
import { JobResults } from './JobResults';

const useStyles = makeStyles({ hint: { color: tokens.colorNeutralForeground3 } });

export function ImportCsvPanel({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const styles = useStyles();
  const client = useGraph();
  const queryClient = useQueryClient();
  const [, navigate] = useLocation();
  const skus = useSkus().data ?? [];
  const mayCreateUsers = useCan('manageUsers');
  const [file, setFile] = useState<File>();
  const [options, setOptions] = useState<ImportOptions>({ mode: 'add', dryRun: true, createMissingUsers: false });
  const [previewId, setPreviewId] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<Refusal>();

  const send = async (dryRun: boolean) => {
    if (!file) return;
    setBusy(true);
    setRefusal(undefined);
    try {
      const job = await importCsv(client, await file.text(), { ...options, dryRun });
      await queryClient.invalidateQueries({ queryKey: keys.jobs });
      if (dryRun) setPreviewId(job.id);
      else {
        onClose();
        navigate(`/jobs/${job.id}`);
      }
    } catch (e) {
      setRefusal(refusalOf(e));
    } finally {
      setBusy(false);
    }
  };
  const sample = () =>
    downloadText(
      'license-import-sample.csv',
      [
        'userPrincipalName,licenses,disabledPlans,usageLocation',
        ...skus
          .filter((s) => s.capabilityStatus === 'Enabled' && s.purchaseChannel === 'admin')
          .slice(0, 2)
          .map((s, i) => `someone${i + 1}@contoso.dev,${s.skuPartNumber},,NL`),
      ].join('\r\n') + '\r\n',
    );

  return (
    <Panel
      title={t('import.title')}
      onClose={onClose}
      footer={
        !previewId ? (
          <Button appearance="primary" disabledFocusable={!file || busy} onClick={() => send(true)}>
            {t('manage.preview')}
          </Button>
        ) : (
          <Button appearance="primary" disabledFocusable={busy} onClick={() => send(false)}>
            {t('import.start')}
          </Button>
        )
      }
    >
      <Text className={styles.hint}>
        {t('import.columns')}{' '}
        <Link as="button" onClick={sample}>
          {t('import.sample')}
        </Link>
      </Text>
      <Field label={t('import.file')} hint={file ? `${file.name} · ${Math.ceil(file.size / 1024)} KB` : undefined}>
        <input
          aria-label={t('import.file')}
          type="file"
          accept=".csv,text/csv"
          onChange={(e) => {
            setFile(e.target.files?.[0]);
            setPreviewId(undefined);
          }}
        />
      </Field>
      <RadioGroup
        aria-label={t('import.mode')}
        value={options.mode}
        onChange={(_, d) => (setOptions({ ...options, mode: d.value as ImportOptions['mode'] }), setPreviewId(undefined))}
      >
        <Radio value="add" label={t('manage.mode.add')} />
        <Radio value="replace" label={t('manage.mode.replace')} />
      </RadioGroup>
      {mayCreateUsers && (
        <Checkbox
          label={t('import.createMissing')}
          checked={options.createMissingUsers}
          onChange={(_, d) => (setOptions({ ...options, createMissingUsers: d.checked === true }), setPreviewId(undefined))}
        />
      )}
      {refusal && <RefusalBar refusal={refusal} />}
      {previewId && (
        <>
          <JobPreview jobId={previewId} />
          <JobResults jobId={previewId} />
        </>
      )}
    </Panel>
  );
}

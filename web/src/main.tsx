import { FluentProvider, webLightTheme } from '@fluentui/react-components';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { StartFailure } from './components/StartFailure';
import { loadConfig } from './config';
import './i18n';

const root = createRoot(document.getElementById('root')!);
const render = (node: React.ReactNode) =>
  root.render(
    <StrictMode>
      <FluentProvider theme={webLightTheme} style={{ minHeight: '100vh' }}>
        {node}
      </FluentProvider>
    </StrictMode>,
  );

loadConfig().then(
  (config) => render(<App config={config} />),
  (e: unknown) => render(<StartFailure message={e instanceof Error ? e.message : String(e)} />),
);

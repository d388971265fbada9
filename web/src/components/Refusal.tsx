/**
 * A refusal from the service, next to what it concerns: the service's message says what is wrong and
 * how to fix it; the console adds the way out it can offer itself (an action), when there is one.
 */
import { MessageBar, MessageBarActions, MessageBarBody, MessageBarTitle } from '@fluentui/react-components';
import type { Refusal, RefusalDetail } from '../graph/errors';

export function RefusalBar({ refusal, title, action }: { refusal: Refusal | RefusalDetail; title?: string; action?: React.ReactNode }) {
  return (
    <MessageBar intent="error" layout="multiline" data-code={refusal.code}>
      <MessageBarBody>
        {title && <MessageBarTitle>{title}</MessageBarTitle>}
        {refusal.message}
      </MessageBarBody>
      {action && <MessageBarActions>{action}</MessageBarActions>}
    </MessageBar>
  );
}

export function SuccessBar({ title, children }: { title: string; children?: React.ReactNode }) {
  return (
    <MessageBar intent="success" layout="multiline">
      <MessageBarBody>
        <MessageBarTitle>{title}</MessageBarTitle>
        {children}
      </MessageBarBody>
    </MessageBar>
  );
}

// Text for toasts, notifications and error lines in the reader's language,
// kept current: a toast opened in English turns Chinese when the language
// is switched while it is on screen (they used to keep the words of the
// moment they opened).
import type { ReactNode } from 'react'
import type { TFunction } from 'i18next'
import { useTranslation } from 'react-i18next'
import i18n from './i18n'
import { ApiError } from './api'

function Live({ text }: { text: (t: TFunction) => string }) {
  const { t } = useTranslation()
  return <>{text(t)}</>
}

// live renders text(t) and renders it again when the language changes:
// message.success(live((t) => t('call.actionDone', { action: t('call.hold') }))).
export function live(text: (t: TFunction) => string): ReactNode {
  return <Live text={text} />
}

// errorText is an error in the reader's language: an API error whose code
// has one meaning (call.errors.<code>, e.g. no_answer, device_in_use) is
// said in words of ours; the browser's failed request is a network error;
// any other keeps the API's own message (it names what and where).
export function errorText(t: TFunction, e: unknown): string {
  if (e instanceof ApiError && e.retryAfter && i18n.exists(`call.errors.${e.code}_wait`)) return t(`call.errors.${e.code}_wait`, { seconds: e.retryAfter })
  // A tenant quota's refusal, said plainly (docs/tenants.md).
  if (e instanceof ApiError && e.code === 'quota_exceeded' && i18n.exists(`quota.refused.${e.field}`)) return t(`quota.refused.${e.field}`, { message: e.message })
  if (e instanceof ApiError && i18n.exists(`call.errors.${e.code}`)) return t(`call.errors.${e.code}`, { message: e.message })
  if (e instanceof TypeError && /fetch|network/i.test(e.message)) return t('call.errors.network')
  return e instanceof Error ? e.message : String(e)
}

// Our own strings in Simplified Chinese and English (Ant Design's own come
// from its locales). The choice is remembered per user in localStorage.
// Each language is its own chunk, loaded when first used: an agent's first
// load carries one language's strings, not both (the 400 KB budget).
import i18n from 'i18next'
import { initReactI18next } from 'react-i18next'

export const languages = ['zh-CN', 'en'] as const
export type Language = (typeof languages)[number]

const LAST = 'ipcc.lang'

function initial(): Language {
  const q = new URLSearchParams(location.search).get('lang')
  if (q === 'en' || q === 'zh-CN') return q
  const saved = localStorage.getItem(LAST)
  if (saved === 'en' || saved === 'zh-CN') return saved
  return navigator.language?.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en'
}

const loaders: Record<Language, () => Promise<{ default: Record<string, unknown> }>> = {
  en: () => import('../locales/en.json'),
  'zh-CN': () => import('../locales/zh-CN.json'),
}

// loadLanguage fetches a language's strings once (both languages have the
// same keys, a test says so: no fallback language is needed).
export async function loadLanguage(lng: Language): Promise<void> {
  if (i18n.hasResourceBundle(lng, 'translation')) return
  const m = await loaders[lng]()
  i18n.addResourceBundle(lng, 'translation', m.default, true, true)
}

void i18n.use(initReactI18next).init({
  resources: {},
  lng: initial(),
  fallbackLng: false,
  interpolation: { escapeValue: false },
})

// ready resolves when the first language's strings are in: the app renders
// after it.
export const ready: Promise<void> = loadLanguage(i18n.language as Language).then(async () => {
  // init ran with no strings: tell the components they are here.
  await i18n.changeLanguage(i18n.language)
})

function userKey(user?: string) {
  return user ? `${LAST}.${user}` : LAST
}

// setLanguage switches and remembers the language (for this user too).
export async function setLanguage(lng: Language, user?: string): Promise<void> {
  localStorage.setItem(LAST, lng)
  if (user) localStorage.setItem(userKey(user), lng)
  await loadLanguage(lng)
  await i18n.changeLanguage(lng)
  document.documentElement.lang = lng
}

// restoreLanguage applies the language a user chose last time.
export function restoreLanguage(user: string) {
  const saved = localStorage.getItem(userKey(user))
  if ((saved === 'en' || saved === 'zh-CN') && saved !== i18n.language) void setLanguage(saved, user)
}

document.documentElement.lang = i18n.language

export default i18n

// Our own strings in Simplified Chinese and English (Ant Design's own come
// from its locales). The choice is remembered per user in localStorage.
import i18n from 'i18next'
import { initReactI18next } from 'react-i18next'
import en from '../locales/en.json'
import zh from '../locales/zh-CN.json'

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

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, 'zh-CN': { translation: zh } },
  lng: initial(),
  fallbackLng: 'en',
  interpolation: { escapeValue: false },
})

function userKey(user?: string) {
  return user ? `${LAST}.${user}` : LAST
}

// setLanguage switches and remembers the language (for this user too).
export function setLanguage(lng: Language, user?: string) {
  localStorage.setItem(LAST, lng)
  if (user) localStorage.setItem(userKey(user), lng)
  void i18n.changeLanguage(lng)
  document.documentElement.lang = lng
}

// restoreLanguage applies the language a user chose last time.
export function restoreLanguage(user: string) {
  const saved = localStorage.getItem(userKey(user))
  if ((saved === 'en' || saved === 'zh-CN') && saved !== i18n.language) setLanguage(saved, user)
}

document.documentElement.lang = i18n.language

export default i18n
